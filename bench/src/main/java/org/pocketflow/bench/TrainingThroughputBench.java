package org.pocketflow.bench;

import java.util.Iterator;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * Training throughput with oneDNN on and off, side by side in one run: the same network, data,
 * batches and optimizer; rounds alternate on/off so drift on a shared machine hits both alike.
 *
 * <p>Run: {@code bench/bin/run TrainingThroughputBench [arch=lenet] [steps=100] [rounds=2]}.
 * Prints figures; asserts nothing.
 */
public final class TrainingThroughputBench {
    private TrainingThroughputBench() {
    }

    public static void main(String[] args) {
        String arch = args.length > 0 ? args[0] : "lenet";
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int batch = 64;
        IdxDataset data = IdxDataset.open(IdxDataset.DEFAULT_URI, batch * steps, 0);
        ImageSet train = data.train();
        Normalizer norm = Normalizer.fit(train);
        TrainingSpec spec = new TrainingSpec(1, batch, 0.01, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        double[] on = new double[rounds];
        double[] off = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            on[r] = samplesPerSecond(arch, true, train, norm, spec, steps);
            off[r] = samplesPerSecond(arch, false, train, norm, spec, steps);
            System.out.printf("round %d: oneDNN on %.0f samples/s, off %.0f samples/s%n", r + 1, on[r], off[r]);
        }
        double bestOn = java.util.Arrays.stream(on).max().orElseThrow();
        double bestOff = java.util.Arrays.stream(off).max().orElseThrow();
        System.out.printf("%s training, batch %d, %d steps, best of %d rounds: oneDNN on %.0f samples/s, "
                + "off %.0f samples/s, speed-up %.2fx (%d cores)%n", arch, batch, steps, rounds, bestOn, bestOff,
                bestOn / bestOff, Runtime.getRuntime().availableProcessors());
    }

    private static double samplesPerSecond(String arch, boolean onednn, ImageSet train, Normalizer norm,
                                           TrainingSpec spec, int steps) {
        if (Backend.configure(onednn) != onednn) {
            throw new IllegalStateException("could not switch oneDNN " + (onednn ? "on" : "off"));
        }
        ComputationGraph g = Architecture.of(arch).factory().create(train.shape(), train.classes(), 1);
        g = Trainer.withOptimizer(g, spec, steps);
        Iterator<DataSet> warm = train.batches(spec.batchSize(), norm, 7, 0);
        for (int i = 0; i < 10 && warm.hasNext(); i++) {
            g.fit(warm.next());
        }
        Iterator<DataSet> it = train.batches(spec.batchSize(), norm, 7, 1);
        long samples = 0;
        long t0 = System.nanoTime();
        while (it.hasNext()) {
            DataSet b = it.next();
            g.fit(b);
            samples += b.numExamples();
        }
        return samples / ((System.nanoTime() - t0) / 1e9);
    }
}
