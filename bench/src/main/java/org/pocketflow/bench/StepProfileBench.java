package org.pocketflow.bench;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.train.BatchNormBackprop;
import org.pocketflow.worker.train.InputConvBackprop;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * Where one training step's time goes: batch assembly, then {@code fit} split by ND4J operation
 * (ND4J's own op profiler, which times every native op call on the calling thread) and the
 * remainder, which is DL4J's Java-side work (graph traversal, workspaces, allocation).
 *
 * <p>The op profiler adds its own cost per call, so its total is compared with an unprofiled run
 * of the same steps printed first. Run: {@code bench/bin/run StepProfileBench [arch=lenet]
 * [steps=50] [onednn=true] [backprop=faster]}; {@code backprop=dl4j} profiles DL4J's own backward passes
 * instead of the product's ({@code Trainer.useFasterBackprop}), {@code backprop=bn} with
 * {@code BatchNormBackprop} alone. Prints figures; asserts nothing.
 */
public final class StepProfileBench {
    private StepProfileBench() {
    }

    public static void main(String[] args) {
        String arch = args.length > 0 ? args[0] : "lenet";
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        boolean onednn = Backend.configure(args.length <= 2 || Boolean.parseBoolean(args[2]));
        int batch = 64;
        ImageSet train = IdxDataset.open(IdxDataset.DEFAULT_URI, batch * steps, 0).train();
        Normalizer norm = Normalizer.fit(train);
        TrainingSpec spec = new TrainingSpec(1, batch, 0.01, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        ComputationGraph g = Trainer.withOptimizer(
                Architecture.of(arch).factory().create(train.shape(), train.classes(), 1), spec, steps);
        String backprop = args.length > 3 ? args[3] : "faster";
        if (!backprop.equals("faster")) {
            InputConvBackprop.uninstall(g);
        }
        if (backprop.equals("dl4j")) {
            BatchNormBackprop.uninstall(g);
        }

        long t0 = System.nanoTime();
        List<DataSet> batches = new ArrayList<>();
        for (Iterator<DataSet> it = train.batches(batch, norm, 7, 0); it.hasNext(); ) {
            batches.add(it.next());
        }
        double assemblyMs = (System.nanoTime() - t0) / 1e6 / batches.size();

        for (int i = 0; i < 10; i++) {
            g.fit(batches.get(i % batches.size()));
        }
        double plainMs = stepMs(g, batches);
        Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().checkElapsedTime(true).build());
        OpProfiler.getInstance().reset();
        double profiledMs = stepMs(g, batches);
        Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().build());
        double plainAgainMs = stepMs(g, batches);
        System.out.printf(Locale.ROOT, "%s, batch %d, %d steps, oneDNN %s, backprop %s, backend %s%n", arch,
                batch, steps, onednn, backprop, Backend.describe());
        System.out.printf(Locale.ROOT, "batch assembly (normalise + one-hot, per batch): %.3f ms%n", assemblyMs);
        System.out.printf(Locale.ROOT, "fit per step: %.3f ms unprofiled before, %.3f ms after, %.3f ms profiled "
                + "(%.0f samples/s unprofiled)%n", plainMs, plainAgainMs, profiledMs,
                batch * 1000 / Math.min(plainMs, plainAgainMs));
        OpProfiler.getInstance().printOutDashboard();
    }

    private static double stepMs(ComputationGraph g, List<DataSet> batches) {
        long t0 = System.nanoTime();
        for (DataSet b : batches) {
            g.fit(b);
        }
        return (System.nanoTime() - t0) / 1e6 / batches.size();
    }
}
