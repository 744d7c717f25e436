package org.pocketflow.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.train.BatchNormBackprop;
import org.pocketflow.worker.train.BatchNormForward;
import org.pocketflow.worker.train.DenseReluBackprop;
import org.pocketflow.worker.train.InputConvBackprop;
import org.pocketflow.worker.train.ReluBackprop;
import org.pocketflow.worker.train.ReplicaStep;
import org.pocketflow.worker.train.SoftmaxScoreOnce;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * Training speed of one network under settings changed one at a time, all in one JVM and
 * interleaved round by round so that load on a shared machine hits every setting alike:
 * <ul>
 *   <li>{@code as-is}: what ND4J leaves on the thread that initialised it (OpenMP at 4 threads,
 *       hard-coded by ND4J 1.0.0-M2's {@code NativeOpsHolder}), batches assembled while training,
 *       DL4J's default workspaces, oneDNN on, forward results recomputed in backprop (DL4J's
 *       default cache mode);</li>
 *   <li>{@code omp=N}: the same with N OpenMP threads on the training thread;</li>
 *   <li>{@code nd4j-pool=1}: ND4J's own thread pool limited to one thread;</li>
 *   <li>{@code prebatched}: batches normalised once before training and reused;</li>
 *   <li>{@code workspaces=none}: DL4J's training workspaces off;</li>
 *   <li>{@code onednn=off}: DL4J's built-in kernels;</li>
 *   <li>{@code best}: the OpenMP count of {@code Backend}'s default with pre-assembled batches;</li>
 *   <li>{@code best+forward kept}: the same with each layer's forward result kept for its backward
 *       pass ({@code Trainer.keepForwardResults});</li>
 *   <li>{@code best+forward kept+bn backprop}: the same with {@code BatchNormBackprop}'s batch-norm
 *       backward pass;</li>
 *   <li>{@code best+forward kept+faster backprop}: the same with {@code InputConvBackprop} too
 *       ({@code Trainer.useFasterBackprop});</li>
 *   <li>{@code ...+bn forward}: the same with {@code BatchNormForward}'s training-mode batch-norm
 *       forward pass; {@code ...+relu}: and {@code ReluBackprop}'s ReLU backward pass;</li>
 *   <li>{@code ...+2 copies}: the same with each step computed by two copies of the network on
 *       half the threads each ({@code ReplicaStep}, whose copies use the passes the network uses), as
 *       the product trains by default on two or more threads ({@code pocketflow.train.replicas}); the
 *       product is {@code ...+faster backprop+2 copies+bn forward+relu}; {@code ...+bn backprop+bn
 *       forward+relu+2 copies} is the product without {@code InputConvBackprop}; {@code ...+relu+dense}
 *       adds {@code DenseReluBackprop}, {@code ...+dense+score} also {@code SoftmaxScoreOnce} (the product
 *       since the night of 2026-12-06); {@code ...+relu+dl4j
 *       updater} is the product with DL4J's updater instead of {@code NesterovStepFused}'s fused step
 *       ({@code ReplicaStep.fuseUpdate(false)}); {@code ...+dl4j updater+threads each step} also puts
 *       ND4J's and OpenBLAS's thread counts back after every step ({@code ReplicaStep.releaseThreads}),
 *       as the product did before 2026-12-06 late evening.</li>
 * </ul>
 * Every setting trains its own copy of the same initial network with the same optimizer.
 *
 * <p>Run: {@code bench/bin/run TrainingSpeedBench [arch=lenet] [steps=100] [rounds=3] [settings=.*]},
 * where {@code settings} is a regular expression the names of the settings to run match. Prints
 * samples/s per round and the median, and each median's ratio to {@code as-is} (or to the first
 * setting run when {@code as-is} is not); asserts nothing.
 */
public final class TrainingSpeedBench {
    private static final int BATCH = 64;
    /** Each copies setting's ReplicaStep, made once so that its copies' workspaces warm up once, as in training. */
    private static final Map<ComputationGraph, ReplicaStep> REPLICAS = new IdentityHashMap<>();

    private TrainingSpeedBench() {
    }

    /** One setting: how the training thread, data and network are prepared. */
    private record Setting(int ompThreads, int poolThreads, boolean prebatched, WorkspaceMode workspaces,
                           boolean onednn, CacheMode cache, boolean bnBackprop, boolean inputConvBackprop, int copies,
                           boolean bnForward, boolean reluBackprop, boolean dl4jUpdater, boolean releaseEachStep,
                           boolean denseRelu, boolean softmaxScore) {
        Setting(int ompThreads, int poolThreads, boolean prebatched, WorkspaceMode workspaces, boolean onednn,
                CacheMode cache, boolean bnBackprop, boolean inputConvBackprop, int copies, boolean bnForward,
                boolean reluBackprop, boolean dl4jUpdater, boolean releaseEachStep, boolean denseRelu) {
            this(ompThreads, poolThreads, prebatched, workspaces, onednn, cache, bnBackprop, inputConvBackprop, copies,
                    bnForward, reluBackprop, dl4jUpdater, releaseEachStep, denseRelu, false);
        }

        Setting(int ompThreads, int poolThreads, boolean prebatched, WorkspaceMode workspaces, boolean onednn,
                CacheMode cache, boolean bnBackprop, boolean inputConvBackprop, int copies, boolean bnForward,
                boolean reluBackprop, boolean dl4jUpdater, boolean releaseEachStep) {
            this(ompThreads, poolThreads, prebatched, workspaces, onednn, cache, bnBackprop, inputConvBackprop, copies,
                    bnForward, reluBackprop, dl4jUpdater, releaseEachStep, false, false);
        }

        Setting(int ompThreads, int poolThreads, boolean prebatched, WorkspaceMode workspaces, boolean onednn,
                CacheMode cache, boolean bnBackprop, boolean inputConvBackprop, int copies, boolean bnForward,
                boolean reluBackprop) {
            this(ompThreads, poolThreads, prebatched, workspaces, onednn, cache, bnBackprop, inputConvBackprop, copies,
                    bnForward, reluBackprop, false, false);
        }

        Setting(int ompThreads, int poolThreads, boolean prebatched, WorkspaceMode workspaces, boolean onednn,
                CacheMode cache, boolean bnBackprop, boolean inputConvBackprop, int copies) {
            this(ompThreads, poolThreads, prebatched, workspaces, onednn, cache, bnBackprop, inputConvBackprop, copies,
                    false, false);
        }

        Setting(int ompThreads, int poolThreads, boolean prebatched, WorkspaceMode workspaces, boolean onednn) {
            this(ompThreads, poolThreads, prebatched, workspaces, onednn, CacheMode.NONE, false, false, 1);
        }

        Setting(int ompThreads, int poolThreads, boolean prebatched, WorkspaceMode workspaces, boolean onednn,
                CacheMode cache, boolean bnBackprop, boolean inputConvBackprop) {
            this(ompThreads, poolThreads, prebatched, workspaces, onednn, cache, bnBackprop, inputConvBackprop, 1);
        }
    }

    public static void main(String[] args) {
        String arch = args.length > 0 ? args[0] : "lenet";
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int asIs = Backend.threads();
        int defaultPool = Nd4j.getEnvironment().maxThreads();
        int best = Backend.defaultThreads();
        Map<String, Setting> settings = new LinkedHashMap<>();
        settings.put("as-is", new Setting(asIs, defaultPool, false, WorkspaceMode.ENABLED, true));
        settings.put("omp=2", new Setting(2, defaultPool, false, WorkspaceMode.ENABLED, true));
        settings.put("omp=1", new Setting(1, defaultPool, false, WorkspaceMode.ENABLED, true));
        settings.put("nd4j-pool=1", new Setting(asIs, 1, false, WorkspaceMode.ENABLED, true));
        settings.put("prebatched", new Setting(asIs, defaultPool, true, WorkspaceMode.ENABLED, true));
        settings.put("workspaces=none", new Setting(asIs, defaultPool, false, WorkspaceMode.NONE, true));
        settings.put("onednn=off", new Setting(asIs, defaultPool, false, WorkspaceMode.ENABLED, false));
        settings.put("best(omp=" + best + ",prebatched)", new Setting(best, defaultPool, true,
                WorkspaceMode.ENABLED, true));
        settings.put("best+forward kept", new Setting(best, defaultPool, true, WorkspaceMode.ENABLED, true,
                CacheMode.DEVICE, false, false));
        settings.put("best+forward kept+bn backprop", new Setting(best, defaultPool, true, WorkspaceMode.ENABLED,
                true, CacheMode.DEVICE, true, false));
        settings.put("best+forward kept+faster backprop", new Setting(best, defaultPool, true, WorkspaceMode.ENABLED,
                true, CacheMode.DEVICE, true, true));
        settings.put("best+forward kept+faster backprop+bn forward", new Setting(best, defaultPool, true,
                WorkspaceMode.ENABLED, true, CacheMode.DEVICE, true, true, 1, true, false));
        settings.put("best+forward kept+faster backprop+bn forward+relu", new Setting(best, defaultPool, true,
                WorkspaceMode.ENABLED, true, CacheMode.DEVICE, true, true, 1, true, true));
        if (best >= 2) {
            settings.put("best+forward kept+faster backprop+2 copies", new Setting(best, defaultPool, true,
                    WorkspaceMode.ENABLED, true, CacheMode.DEVICE, true, true, 2));
            settings.put("best+forward kept+bn backprop+bn forward+relu+2 copies", new Setting(best, defaultPool,
                    true, WorkspaceMode.ENABLED, true, CacheMode.DEVICE, true, false, 2, true, true));
            settings.put("best+forward kept+faster backprop+2 copies+bn forward", new Setting(best, defaultPool, true,
                    WorkspaceMode.ENABLED, true, CacheMode.DEVICE, true, true, 2, true, false));
            settings.put("best+forward kept+faster backprop+2 copies+bn forward+relu", new Setting(best, defaultPool,
                    true, WorkspaceMode.ENABLED, true, CacheMode.DEVICE, true, true, 2, true, true));
            settings.put("best+forward kept+faster backprop+2 copies+bn forward+relu+dense", new Setting(best,
                    defaultPool, true, WorkspaceMode.ENABLED, true, CacheMode.DEVICE, true, true, 2, true, true, false, false,
                    true));
            settings.put("best+forward kept+faster backprop+2 copies+bn forward+relu+dense+score", new Setting(best,
                    defaultPool, true, WorkspaceMode.ENABLED, true, CacheMode.DEVICE, true, true, 2, true, true, false, false,
                    true, true));
            settings.put("best+forward kept+faster backprop+2 copies+bn forward+relu+dl4j updater", new Setting(best,
                    defaultPool, true, WorkspaceMode.ENABLED, true, CacheMode.DEVICE, true, true, 2, true, true, true, false));
            settings.put("best+forward kept+faster backprop+2 copies+bn forward+relu+dl4j updater+threads each step",
                    new Setting(best, defaultPool, true, WorkspaceMode.ENABLED, true, CacheMode.DEVICE, true, true, 2, true,
                            true, true, true));
        }
        String only = args.length > 3 ? args[3] : ".*";
        settings.keySet().removeIf(name -> !name.matches(only));

        ImageSet train = IdxDataset.open(IdxDataset.DEFAULT_URI, BATCH * steps, 0).train();
        Normalizer norm = Normalizer.fit(train);
        TrainingSpec spec = new TrainingSpec(1, BATCH, 0.01, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        List<DataSet> prebatched = new ArrayList<>();
        train.batches(BATCH, norm, 7, 0).forEachRemaining(prebatched::add);

        Map<String, ComputationGraph> nets = new LinkedHashMap<>();
        for (var e : settings.entrySet()) {
            Backend.configure(e.getValue().onednn());
            nets.put(e.getKey(), network(arch, train, spec, steps, e.getValue()));
        }
        Map<String, double[]> rates = new LinkedHashMap<>();
        settings.keySet().forEach(k -> rates.put(k, new double[rounds]));
        for (int r = -1; r < rounds; r++) {
            for (var e : settings.entrySet()) {
                Setting s = e.getValue();
                Backend.configure(s.onednn());
                Backend.setThreads(s.ompThreads());
                Nd4j.getEnvironment().setMaxThreads(s.poolThreads());
                Nd4j.getEnvironment().setMaxMasterThreads(s.poolThreads());
                int epoch = r + 1;
                Supplier<Iterator<DataSet>> data = s.prebatched() ? prebatched::iterator
                        : () -> train.batches(BATCH, norm, 7, epoch);
                // the untimed round: as long as a timed one (at least 10 steps), for the JIT to compile DL4J's and the
                // project's Java code (on two busy cores its compiler threads take hundreds of steps)
                double rate = samplesPerSecond(nets.get(e.getKey()), data.get(), r < 0 ? Math.max(10, steps)
                        : Integer.MAX_VALUE,
                        s.copies(), s.ompThreads(), s.dl4jUpdater(), s.releaseEachStep());
                if (r >= 0) {
                    rates.get(e.getKey())[r] = rate;
                }
            }
            Backend.setThreads(asIs);
            Nd4j.getEnvironment().setMaxThreads(defaultPool);
            Nd4j.getEnvironment().setMaxMasterThreads(defaultPool);
        }
        System.out.printf(Locale.ROOT, "%s training, batch %d, %d steps per round, %d rounds interleaved, "
                + "%d cores, OpenMP as ND4J leaves it %d, ND4J pool %d%n", arch, BATCH, steps, rounds,
                Runtime.getRuntime().availableProcessors(), asIs, defaultPool);
        double base = median(rates.getOrDefault("as-is", rates.values().iterator().next()));
        for (var e : rates.entrySet()) {
            double m = median(e.getValue());
            System.out.printf(Locale.ROOT, "%-58s median %6.0f samples/s (%.2fx as-is)  rounds %s%n", e.getKey(), m,
                    m / base, Arrays.toString(Arrays.stream(e.getValue()).mapToLong(Math::round).toArray()));
        }
    }

    private static ComputationGraph network(String arch, ImageSet train, TrainingSpec spec, int steps, Setting s) {
        ComputationGraph g = Trainer.withOptimizer(
                Architecture.of(arch).factory().create(train.shape(), train.classes(), 1), spec, steps);
        ComputationGraphConfiguration conf = g.getConfiguration().clone();
        conf.setTrainingWorkspaceMode(s.workspaces());
        conf.setCacheMode(s.cache());
        ComputationGraph out = new ComputationGraph(conf);
        out.init(g.params().dup(), false);
        out.setCacheMode(s.cache());
        if (s.bnBackprop()) {
            BatchNormBackprop.install(out);
        }
        if (s.inputConvBackprop()) {
            InputConvBackprop.install(out);
        }
        if (s.bnForward()) {
            BatchNormForward.install(out);
        }
        if (s.reluBackprop()) {
            ReluBackprop.install(out);
        }
        if (s.denseRelu()) {
            DenseReluBackprop.install(out);
        }
        if (s.softmaxScore()) {
            SoftmaxScoreOnce.install(out);
        }
        return out;
    }

    private static double samplesPerSecond(ComputationGraph g, Iterator<DataSet> batches, int maxSteps, int copies,
                                           int threads, boolean dl4jUpdater, boolean releaseEachStep) {
        ReplicaStep replicas = copies > 1 ? REPLICAS.computeIfAbsent(g, x -> {
            ReplicaStep r = new ReplicaStep(x, copies, threads);
            r.fuseUpdate(!dl4jUpdater);
            return r;
        }) : null;
        long samples = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < maxSteps && batches.hasNext(); i++) {
            DataSet b = batches.next();
            if (replicas == null) {
                g.fit(b);
            } else {
                replicas.step(b);
                if (releaseEachStep) {
                    replicas.releaseThreads();
                }
            }
            samples += b.numExamples();
        }
        if (replicas != null) {
            replicas.releaseThreads(); // the next setting runs with the JVM's thread counts
        }
        return samples / ((System.nanoTime() - t0) / 1e9);
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
