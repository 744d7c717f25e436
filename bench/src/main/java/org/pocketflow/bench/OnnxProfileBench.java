package org.pocketflow.bench;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.export.onnx.OnnxExporter;
import org.pocketflow.worker.learn.prune.FlopsBudget;
import org.pocketflow.worker.learn.prune.LatencyAllocation;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.runtime.Backend;

/**
 * Where ONNX Runtime spends a batch of ResNet-20 (28x28x1, untrained), unpruned and pruned to a
 * MAC fraction with the allocation {@link LatencyAllocation} chooses (first group kept, multiples of
 * 8): ONNX Runtime's own profiler (one intra-op thread, all graph optimisations), kernel time per
 * node and per operator type, averaged over the runs.
 *
 * <p>Run: {@code bench/bin/run OnnxProfileBench [runs=60] [macFraction=0.5]}. Writes ONNX Runtime's
 * profile files to the temporary directory; prints figures; asserts nothing.
 */
public final class OnnxProfileBench {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);
    private static final int BATCH = 64;
    private static final Pattern NODE = Pattern.compile(
            "\"dur\"\\s*:\\s*(\\d+).*?\"name\"\\s*:\\s*\"([^\"]+)_kernel_time\".*?\"op_name\"\\s*:\\s*\"([^\"]+)\"");

    private OnnxProfileBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        double fraction = args.length > 1 ? Double.parseDouble(args[1]) : 0.5;
        Backend.configure(true);
        ComputationGraph full = Architecture.RESNET20.factory().create(MNIST, 10, 1);
        ModelInfo info = ModelInfo.of(full, MNIST);
        LatencyAllocation.Choice choice = LatencyAllocation.choose(full, MNIST, new FlopsBudget(info, true, 8), fraction,
                5, 10, line -> { });
        System.out.printf(Locale.ROOT, "chosen at %.2f of the MACs: %s, channels %s%n", fraction,
                choice.best().name(), choice.best().allocation().channels().values());
        profile("unpruned", full, runs);
        profile("chosen", LatencyAllocation.timingCopy(full, info, choice.best().allocation()), runs);
    }

    private static void profile(String name, ComputationGraph graph, int runs) throws OrtException, java.io.IOException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        String file;
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            opts.setInterOpNumThreads(1);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            opts.enableProfiling(Files.createTempDirectory("ort-profile").resolve(name).toString());
            try (OrtSession session = env.createSession(OnnxExporter.export(graph, Map.of(), MNIST, Normalizer.UNIT,
                    Map.of()).bytes(), opts)) {
                float[] x = new float[BATCH * MNIST.pixels()];
                for (int r = 0; r < runs; r++) {
                    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{BATCH, 1, 28, 28});
                         OrtSession.Result ignored = session.run(Map.of(OnnxExporter.INPUT, t))) {
                        // timed by the profiler
                    }
                }
                file = session.endProfiling();
            }
        }
        Map<String, Long> byOp = new LinkedHashMap<>();
        Map<String, Long> byNode = new LinkedHashMap<>();
        Matcher m = NODE.matcher(Files.readString(Path.of(file)));
        while (m.find()) {
            long micros = Long.parseLong(m.group(1));
            byOp.merge(m.group(3), micros, Long::sum);
            byNode.merge(m.group(2) + " (" + m.group(3) + ")", micros, Long::sum);
        }
        double total = byOp.values().stream().mapToLong(Long::longValue).sum() / (runs * 1e3);
        System.out.printf(Locale.ROOT, "%s: %.3f ms of kernel time per batch of %d%n", name, total, BATCH);
        byOp.forEach((op, us) -> System.out.printf(Locale.ROOT, "  %-20s %.3f ms%n", op, us / (runs * 1e3)));
        byNode.forEach((node, us) -> System.out.printf(Locale.ROOT, "    %-48s %.3f ms%n", node, us / (runs * 1e3)));
    }
}
