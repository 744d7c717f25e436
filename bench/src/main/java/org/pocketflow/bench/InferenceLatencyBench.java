package org.pocketflow.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.conf.LearnKeys;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.export.BatchNormFolding;
import org.pocketflow.worker.export.onnx.OnnxExporter;
import org.pocketflow.worker.export.onnx.OnnxModel;
import org.pocketflow.worker.export.onnx.OnnxRuntimeSession;
import org.pocketflow.worker.learn.prune.ChannelPruning;
import org.pocketflow.worker.learn.prune.L1ChannelSelector;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;

/**
 * Inference latency on DL4J's and ONNX Runtime's paths, for the figures beside PyTorch's
 * ({@code bench/torch_peer.py}): LeNet, ResNet-20 and ResNet-20 L1-pruned uniformly to half its
 * MACs (with any channel count, and with the product's default channel multiple), float weights (latency does not depend on their values), batch norms folded for DL4J as the
 * job's report does. Per network and batch (1, 64), one run of each path per round, round-robin so
 * that all see the same load: DL4J with {@link Backend}'s OpenMP threads, DL4J with 1 thread,
 * ONNX Runtime with 1 and with 2 intra-op threads (float export, all graph optimisations); medians.
 *
 * <p>Run: {@code bench/bin/run InferenceLatencyBench [iterations=200] [warmup=30]}. Prints figures;
 * asserts nothing.
 */
public final class InferenceLatencyBench {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);
    private static final String[] PATHS = {"DL4J", "DL4J omp=1", "ORT 1 thread", "ORT 2 threads"};

    private InferenceLatencyBench() {
    }

    public static void main(String[] args) {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        boolean onednn = Backend.configure(true);
        int threads = Backend.threads();
        System.out.printf(Locale.ROOT, "inference latency, median ms of %d after %d warm-up, round-robin; oneDNN %s, "
                + "DL4J OpenMP threads %d, %d cores%n", iterations, warmup, onednn, threads,
                Runtime.getRuntime().availableProcessors());
        ComputationGraph resnet = Architecture.RESNET20.factory().create(MNIST, 10, 1);
        Map<String, ComputationGraph> nets = new java.util.LinkedHashMap<>();
        nets.put("lenet", Architecture.LENET.factory().create(MNIST, 10, 1));
        nets.put("resnet20", resnet);
        nets.put("resnet20 at 50% MACs, any channel count", new ChannelPruning(new L1ChannelSelector(), true, 1)
                .pruneUniform(resnet, MNIST, 0.5).graph());
        int multiple = LearnKeys.CHANNEL_MULTIPLE.defaultValue();
        nets.put("resnet20 at 50% MACs, channels x" + multiple, new ChannelPruning(new L1ChannelSelector(), true,
                multiple).pruneUniform(resnet, MNIST, 0.5).graph());
        for (var e : nets.entrySet()) {
            ComputationGraph folded = BatchNormFolding.fold(e.getValue());
            OnnxModel model = OnnxExporter.export(e.getValue(), Map.of(), MNIST, Normalizer.UNIT, Map.of());
            try (OnnxRuntimeSession one = new OnnxRuntimeSession(model, 1);
                 OnnxRuntimeSession two = new OnnxRuntimeSession(model, 2)) {
                for (int batch : new int[]{1, 64}) {
                    double[] ms = roundRobin(folded, one, two, threads, batch, warmup, iterations);
                    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-42s batch %2d:", e.getKey(),
                            batch));
                    for (int k = 0; k < PATHS.length; k++) {
                        line.append(String.format(Locale.ROOT, "  %s %.3f", PATHS[k], ms[k]));
                    }
                    System.out.println(line);
                }
            }
        }
    }

    private static double[] roundRobin(ComputationGraph dl4j, OnnxRuntimeSession one, OnnxRuntimeSession two,
                                       int threads, int batch, int warmup, int iterations) {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] raw = new float[batch * MNIST.pixels()];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = rnd.nextInt(256);
        }
        INDArray x = Nd4j.create(raw, new long[]{batch, 1, 28, 28}, 'c').castTo(DataType.FLOAT);
        double[][] t = new double[PATHS.length][iterations];
        for (int i = -warmup; i < iterations; i++) {
            long s0 = System.nanoTime();
            dl4j.outputSingle(false, x);
            long s1 = System.nanoTime();
            Backend.setThreads(1);
            dl4j.outputSingle(false, x);
            Backend.setThreads(threads);
            long s2 = System.nanoTime();
            one.run(raw, batch);
            long s3 = System.nanoTime();
            two.run(raw, batch);
            long s4 = System.nanoTime();
            if (i >= 0) {
                t[0][i] = (s1 - s0) / 1e6;
                t[1][i] = (s2 - s1) / 1e6;
                t[2][i] = (s3 - s2) / 1e6;
                t[3][i] = (s4 - s3) / 1e6;
            }
        }
        double[] out = new double[PATHS.length];
        for (int k = 0; k < PATHS.length; k++) {
            Arrays.sort(t[k]);
            out[k] = t[k][iterations / 2];
        }
        return out;
    }
}
