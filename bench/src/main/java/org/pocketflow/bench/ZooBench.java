package org.pocketflow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.CalibrationSet;
import org.pocketflow.worker.data.GeneratedImages;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.Compression;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.FineTuner;
import org.pocketflow.worker.learn.Learner;
import org.pocketflow.worker.learn.LearnerCatalog;
import org.pocketflow.worker.learn.LearnerOptions;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.train.ImageSetEpochs;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * The ImageNet networks of the zoo at 224x224x3 on generated images (no ImageNet is installed):
 * <ul>
 *   <li>{@code sizes}: parameters and multiply-adds of ResNet-18, ResNet-50 and MobileNet-v1
 *       against the published figures;</li>
 *   <li>{@code speed ARCH [steps=5] [batch=16] [iterations=5]}: training samples/s and median
 *       inference latency at batch 1 and 32;</li>
 *   <li>{@code prune ARCH [selector=l1] [steps=3] [batch=16]}: channel pruning to 50% of the MACs
 *       with the default calibration set sizes, then {@code steps} fine-tuning steps; the
 *       compression time, the time per training step before and after, and the process's peak
 *       resident memory (VmHWM: heap plus off-heap).</li>
 * </ul>
 * {@code speed} and {@code prune} use 100 classes (generated labels are one byte), which takes
 * 0.9 M multiply-adds off a 1000-class head. Run: {@code bench/bin/run ZooBench sizes}. Prints figures; asserts nothing.
 */
public final class ZooBench {
    private static final ImageShape IMAGENET = new ImageShape(3, 224, 224);
    private static final int CLASSES = 1000;
    /** Classes of the generated data sets (labels are one byte): the networks' heads shrink to match. */
    private static final int DATA_CLASSES = 100;

    private ZooBench() {
    }

    public static void main(String[] args) throws IOException {
        String mode = args.length > 0 ? args[0] : "sizes";
        switch (mode) {
            case "sizes" -> sizes();
            case "speed" -> speed(Architecture.of(args[1]), intArg(args, 2, 5), intArg(args, 3, 16), intArg(args, 4, 5));
            case "prune" -> prune(Architecture.of(args[1]), args.length > 2 ? args[2] : "l1", intArg(args, 3, 3),
                    intArg(args, 4, 16));
            default -> throw new IllegalArgumentException("mode must be sizes, speed or prune, but got " + mode);
        }
        System.out.println("peak resident memory (VmHWM): " + peakResidentMegabytes() + " MB; max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB; " + Runtime.getRuntime().availableProcessors()
                + " cores; load " + load());
    }

    private static void sizes() {
        Object[][] published = {
                {Architecture.RESNET18, 11.69e6, 1.82e9},
                {Architecture.RESNET50, 25.56e6, 4.1e9},
                {Architecture.MOBILENET_V1, 4.2e6, 569e6},
                {Architecture.MOBILENET_V1_050, 1.3e6, 150e6}};
        System.out.println("| network | parameters (published) | multiply-adds (published) |");
        System.out.println("|---|---|---|");
        for (Object[] p : published) {
            Architecture arch = (Architecture) p[0];
            ModelInfo info = ModelInfo.of(arch.factory().create(IMAGENET, CLASSES, 1), IMAGENET);
            long stats = info.layers().stream().filter(l -> l.kind().equals("BatchNormalization"))
                    .mapToLong(l -> 2 * l.channels()).sum();
            System.out.printf("| %s | %,d (%.2f M) | %.3f G (%.3f G) |%n", arch.configName(),
                    info.totalParameters() - stats, (Double) p[1] / 1e6, info.totalMacs() / 1e9, (Double) p[2] / 1e9);
        }
        System.out.println("parameters exclude batch norms' running mean and variance, which DL4J counts");
    }

    private static void speed(Architecture arch, int steps, int batch, int iterations) {
        ImageSet train = GeneratedImages.of(IMAGENET, DATA_CLASSES, batch, 1);
        Normalizer norm = Normalizer.fit(train);
        ComputationGraph g = arch.factory().create(IMAGENET, DATA_CLASSES, 1);
        System.out.printf("%s: training %.2f samples/s (batch %d, %d steps after 1 warm-up)%n", arch.configName(),
                batch / secondsPerStep(g, train, norm, batch, steps), batch, steps);
        for (int b : new int[]{1, 32}) {
            System.out.printf("%s: inference batch %d: median %.1f ms over %d runs%n", arch.configName(), b,
                    medianMillis(g, b, iterations), iterations);
        }
    }

    private static void prune(Architecture arch, String selector, int steps, int batch) {
        LearnerOptions options = new LearnerOptions(true, selector, 8, 0);
        int calibrationImages = LearnerCatalog.calibrationImages(options);
        ImageSet calibrationSet = GeneratedImages.of(IMAGENET, DATA_CLASSES, calibrationImages, 2);
        ImageSet train = GeneratedImages.of(IMAGENET, DATA_CLASSES, steps * batch, 1);
        Normalizer norm = Normalizer.fit(train);
        ComputationGraph base = arch.factory().create(IMAGENET, DATA_CLASSES, 1);
        ModelInfo before = ModelInfo.of(base, IMAGENET);
        double baseStep = secondsPerStep(base.clone(), train, norm, batch, steps);
        // the timed copy's training workspaces would otherwise count towards the pruning's peak
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        System.gc();

        DataSet calibration = CalibrationSet.gather(calibrationSet.batchesInOrder(CalibrationSet.BATCH, norm),
                calibrationImages, IMAGENET, DATA_CLASSES);
        Learner learner = LearnerCatalog.create("channel-pruning", options, calibration, 5);
        Budget budget = Budget.macs(0.5);
        long t0 = System.nanoTime();
        Compression c = learner.compress(base, IMAGENET, learner.uniform(before, budget), budget);
        double compressSeconds = (System.nanoTime() - t0) / 1e9;
        TrainingSpec spec = new TrainingSpec(1, batch, 0.01, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, 5, 1);
        long t1 = System.nanoTime();
        ComputationGraph tuned = FineTuner.run(c, FineTuneSpec.of(spec), new ImageSetEpochs(train, norm, batch, 5),
                null, line -> { });
        double tuneSeconds = (System.nanoTime() - t1) / 1e9;
        ModelInfo after = ModelInfo.of(tuned, IMAGENET);
        System.out.printf("%s, %s selection on %d calibration images: compressed in %.1f s to %.3f of the MACs "
                        + "(%.3f G of %.3f G), %,d parameters of %,d%n", arch.configName(), selector, calibrationImages,
                compressSeconds, after.totalMacs() / (double) before.totalMacs(), after.totalMacs() / 1e9,
                before.totalMacs() / 1e9, after.totalParameters(), before.totalParameters());
        System.out.printf("%s: fine-tuning %d steps of batch %d in %.1f s (%.2f s/step, first step included); "
                        + "base network %.2f s/step (after 1 warm-up)%n", arch.configName(), steps, batch, tuneSeconds,
                tuneSeconds / steps, baseStep);
    }

    /** Seconds per training step of {@code g}, after one warm-up step. */
    private static double secondsPerStep(ComputationGraph g, ImageSet train, Normalizer norm, int batch, int steps) {
        TrainingSpec spec = new TrainingSpec(1, batch, 0.01, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        ComputationGraph net = Trainer.withOptimizer(g, spec, steps + 1);
        Iterator<DataSet> it = train.batches(batch, norm, 7, 0);
        DataSet b = it.next();
        net.fit(b);
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            net.fit(b);
        }
        return (System.nanoTime() - t0) / 1e9 / steps;
    }

    private static double medianMillis(ComputationGraph g, int batch, int iterations) {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, IMAGENET.channels(), IMAGENET.height(), IMAGENET.width());
        g.outputSingle(false, x);
        double[] t = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long s = System.nanoTime();
            g.outputSingle(false, x);
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(t);
        return t[iterations / 2];
    }

    private static long peakResidentMegabytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }

    private static String load() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    private static int intArg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }
}
