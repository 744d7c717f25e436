package org.pocketflow.worker.train;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pocketflow.worker.runtime.Backend;

/**
 * One SGD step of a network computed by several copies of it at once, each on its share of the
 * minibatch and of the JVM's OpenMP threads: data parallelism inside one JVM.
 *
 * <p>Why: on a few cores, DL4J's oneDNN convolutions and OpenBLAS's small matrix products use two
 * threads poorly (a backward convolution on two threads can take longer than on one), while two
 * copies each on one thread keep both cores busy; docs/SPEED.md has the measurements.
 *
 * <p>The copies share the network's parameter array (DL4J lays each copy's layers over it as views),
 * so a {@link StepHook}'s changes before a step are what every copy computes on. Each step:
 * <ol>
 *   <li>the minibatch is split into contiguous parts, one per copy, sizes differing by at most one;</li>
 *   <li>every copy computes its part's gradient ({@code computeGradientAndScore}) at once, copy 0
 *       (the network itself) on the calling thread;</li>
 *   <li>the gradients are summed into the network's (DL4J's gradients are sums over the minibatch
 *       that its updater divides); batch norm's running-statistics "updates", which DL4J applies as
 *       they are, are averaged, weighted by part size;</li>
 *   <li>DL4J's updater and the step are applied once, as {@code ComputationGraph.fit} does.</li>
 * </ol>
 * Without batch norm the step equals {@code fit} on the whole minibatch up to float rounding.
 * With batch norm each copy normalises with its own part's statistics (as PyTorch's
 * {@code DataParallel} does); the running means move exactly as {@code fit}'s would, the running
 * variances (or log-deviations, DL4J's default) by the parts' mean. Without dropout the step is
 * deterministic: each copy runs its kernels on its own threads and the sums are taken in copy
 * order; dropout on the copies' threads is not reproducible from run to run.
 *
 * <p>Not thread-safe; one instance belongs to one training run. {@link #close} stops the copies'
 * threads.
 */
public final class ReplicaStep implements AutoCloseable {
    /** Fewest images a copy gets from a full minibatch under {@link #copiesFor automatic} choice. */
    static final int MIN_IMAGES_PER_COPY = 16;

    private final ComputationGraph graph;
    private final List<ComputationGraph> copies = new ArrayList<>();
    private final int[] threads;
    private final List<long[]> directRanges;
    private final BitSet direct;
    /** Whether this instance has ND4J's and OpenBLAS's JVM-wide thread counts narrowed ({@link JvmThreads}). */
    private boolean holdsJvmThreads;
    /** On while the copies leave the weight decay's score to the fused step ({@link DeferredWeightDecay}). */
    private final DeferredWeightDecay.Switch scoreInFusedStep = new DeferredWeightDecay.Switch();
    /** The network's layer configurations that {@link DeferredWeightDecay} replaced, put back by {@link #close}. */
    private final Map<Layer, NeuralNetConfiguration[]> deferredConfs = new IdentityHashMap<>();
    /** The fused end of a step, or {@code null} for DL4J's updater. */
    private NesterovStepFused fused;
    /** Copy i's thread ({@code threadOf.get(i - 1)}): one each, so that its ND4J workspaces can be freed on it. */
    private final List<ExecutorService> threadOf = new ArrayList<>();

    /**
     * @param graph  the network to train, with its optimizer ({@link Trainer#withOptimizer})
     * @param copies how many copies compute each step, at least 2
     * @param totalThreads OpenMP threads to share among the copies (copy 0 gets any remainder)
     */
    public ReplicaStep(ComputationGraph graph, int copies, int totalThreads) {
        if (copies < 2 || totalThreads < copies) {
            throw new IllegalArgumentException(copies + " copies on " + totalThreads + " threads");
        }
        this.graph = graph;
        this.threads = new int[copies];
        for (int i = 0; i < copies; i++) {
            threads[i] = totalThreads / copies + (i == 0 ? totalThreads % copies : 0);
        }
        this.copies.add(graph);
        for (int i = 1; i < copies; i++) {
            ComputationGraph copy = new ComputationGraph(graph.getConfiguration().clone());
            copy.init(graph.params(), false);
            Trainer.keepForwardResults(copy);
            Trainer.useFasterBackpropAs(graph, copy);
            this.copies.add(copy);
            threadOf.add(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "pf-replica");
                t.setDaemon(true);
                return t;
            }));
        }
        this.direct = UpdaterPositions.updatedDirectly(graph);
        this.directRanges = ranges(direct);
        this.fused = NesterovStepFused.of(graph, direct);
    }

    /**
     * The copies that compute each step of a training on minibatches of {@code batchSize}, as
     * {@code replicas} asks ({@link TrainingSpec#replicas()}; {@link #copiesFor}) on this thread's
     * OpenMP threads, or {@code null} when the network alone computes each step (one copy asked or
     * chosen, or a GPU backend, which computes one copy at a time).
     */
    public static ReplicaStep of(ComputationGraph graph, int replicas, int batchSize) {
        int threads = Nd4j.getEnvironment().isCPU() ? Backend.threads() : 1;
        int copies = copiesFor(replicas, threads, batchSize);
        boolean truncatedBptt = graph.getConfiguration().getBackpropType() == BackpropType.TruncatedBPTT;
        return copies > 1 && !truncatedBptt ? new ReplicaStep(graph, copies, threads) : null;
    }

    /**
     * How many copies train each step: {@code configured} when positive, else (automatic) 2 when
     * the JVM has at least 2 OpenMP threads and the minibatch gives each copy at least
     * {@value #MIN_IMAGES_PER_COPY} images, else 1. Never more copies than threads.
     */
    public static int copiesFor(int configured, int ompThreads, int batchSize) {
        if (configured > 0) {
            return Math.max(1, Math.min(configured, ompThreads));
        }
        return ompThreads >= 2 && batchSize >= 2 * MIN_IMAGES_PER_COPY ? 2 : 1;
    }

    /**
     * Whether copies compute {@code batch}: not a minibatch with masks (sequence data, which the
     * image networks this trains do not have), which {@code ComputationGraph.fit} trains instead.
     */
    public static boolean handles(DataSet batch) {
        return batch.getFeaturesMaskArray() == null && batch.getLabelsMaskArray() == null;
    }

    /** The copies and their threads, for progress lines. */
    @Override
    public String toString() {
        return copies.size() + " copies of the network, " + threads[threads.length - 1] + " OpenMP thread(s) each";
    }

    /**
     * One optimizer step on {@code batch}: {@link #gradient}, then DL4J's updater and the step, as
     * {@code ComputationGraph.fit} applies them. Where {@link NesterovStepFused} covers the network's
     * optimizer (the product's: Nesterov momentum with weight decay), the sum of the copies'
     * gradients, the updater and the step are that one pass instead, on two threads, with DL4J's
     * result bit for bit; it also computes the weight decay's part of the score, which the copies
     * then leave out ({@link DeferredWeightDecay}).
     *
     * @return the minibatch's score (mean loss plus regularisation), as {@code graph.score()} after {@code fit}
     */
    public double step(DataSet batch) {
        int iteration = graph.getIterationCount();
        int epoch = graph.getEpochCount();
        double score;
        if (fused != null) {
            Parts parts;
            for (ComputationGraph c : copies) {
                // each step: a layer whose configuration was put back since (a comparison) would score twice
                DeferredWeightDecay.install(c, scoreInFusedStep, c == graph ? deferredConfs : null);
            }
            scoreInFusedStep.set(true);
            try {
                parts = parts(batch);
            } finally {
                scoreInFusedStep.set(false);
            }
            score = parts.score() + fused.apply(parts.gradients(), batch.numExamples(), iteration, epoch, threadOf.get(0));
        } else {
            score = gradient(batch);
            INDArray sum = graph.getFlattenedGradients();
            graph.getUpdater().update(graph.gradient(), iteration, epoch, batch.numExamples(), LayerWorkspaceMgr.noWorkspaces());
            graph.params().subi(sum);
        }
        graph.setScore(score);
        for (TrainingListener l : graph.getListeners()) {
            l.iterationDone(graph, iteration, epoch);
        }
        BaseOptimizer.incrementIterationCount(graph, 1);
        BaseOptimizer.applyConstraints(graph);
        for (ComputationGraph c : copies) {
            c.clearLayersStates();
        }
        return score;
    }

    /**
     * Makes {@link #step} use DL4J's updater ({@code false}) or, where it covers the network, the fused
     * pass ({@code true}, the default); for comparisons.
     */
    public void fuseUpdate(boolean on) {
        fused = on ? NesterovStepFused.of(graph, direct) : null;
    }

    /**
     * The gradient of {@code batch} at the network's current parameters, left in the network's
     * flattened gradient as {@code computeGradientAndScore} on the whole minibatch leaves it: summed
     * over the minibatch, batch norm's running-statistics updates averaged. A minibatch too small to
     * give every copy two images is split among fewer copies, down to the network alone. Minibatches with masks are refused (the image
     * networks this trains have none).
     *
     * @return the minibatch's score (mean loss plus regularisation)
     */
    public double gradient(DataSet batch) {
        Parts parts = parts(batch);
        INDArray sum = graph.getFlattenedGradients();
        for (int i = 1; i < parts.gradients().size(); i++) {
            sum.addi(parts.gradients().get(i));
        }
        for (int r = 0; r < directRanges.size(); r++) {
            slice(sum, directRanges.get(r)).assign(parts.averaged().get(r));
        }
        return parts.score();
    }

    /**
     * What the copies computed for one minibatch: their flattened gradients (the network's first), batch
     * norm's running-statistics updates averaged over them, already in the network's gradient, and the
     * minibatch's score.
     */
    private record Parts(List<INDArray> gradients, List<INDArray> averaged, double score) {
    }

    private Parts parts(DataSet batch) {
        if (!handles(batch)) {
            throw new IllegalArgumentException("minibatches with masks are trained by ComputationGraph.fit, not by copies");
        }
        int n = batch.numExamples();
        int parts = Math.max(1, Math.min(copies.size(), n / 2)); // a copy never normalises a single image
        int iteration = graph.getIterationCount();
        int epoch = graph.getEpochCount();
        long[] from = new long[parts + 1];
        for (int i = 0; i < parts; i++) {
            from[i + 1] = from[i] + n / parts + (i < n % parts ? 1 : 0);
        }
        double[] scores = gradients(batch, from, iteration, epoch);

        List<INDArray> gradients = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            gradients.add(copies.get(i).getFlattenedGradients());
        }
        List<INDArray> averaged = new ArrayList<>();
        for (long[] r : directRanges) {
            INDArray avg = slice(gradients.get(0), r).mul((double) (from[1] - from[0]) / n);
            for (int i = 1; i < parts; i++) {
                avg.addi(slice(gradients.get(i), r).mul((double) (from[i + 1] - from[i]) / n));
            }
            averaged.add(avg);
        }
        for (int r = 0; r < directRanges.size(); r++) {
            slice(gradients.get(0), directRanges.get(r)).assign(averaged.get(r));
        }
        double score = scores[0] * (from[1] - from[0]) / n;
        for (int i = 1; i < parts; i++) {
            score += scores[i] * (from[i + 1] - from[i]) / n;
        }
        return new Parts(gradients, averaged, score);
    }

    /**
     * Each part's gradient and score, copy 0 on this thread. While they run, this thread's OpenMP
     * count is copy 0's share, restored before returning. ND4J's and OpenBLAS's JVM-wide thread counts
     * are narrowed to that share too, so that no copy spreads its kernels over the others' cores, and
     * stay so from the first step until {@link #releaseThreads} or {@link #close}: setting
     * OpenBLAS's count and back costs about 0.6 ms (it frees and allocates its threads' buffers),
     * which each step paid when they were restored after it.
     */
    private double[] gradients(DataSet batch, long[] from, int iteration, int epoch) {
        int parts = from.length - 1;
        int callerThreads = Backend.threads();
        Backend.setThreads(threads[0]);
        if (!holdsJvmThreads) {
            JvmThreads.narrow(threads[0]);
            holdsJvmThreads = true;
        }
        List<Future<Double>> running = new ArrayList<>();
        try {
            for (int i = 1; i < parts; i++) {
                int c = i;
                running.add(threadOf.get(c - 1).submit(() -> gradient(c, batch, from[c], from[c + 1], iteration, epoch)));
            }
            double[] scores = new double[parts];
            scores[0] = gradient(0, batch, from[0], from[1], iteration, epoch);
            for (int i = 1; i < parts; i++) {
                scores[i] = await(running.get(i - 1));
            }
            return scores;
        } finally {
            settle(running); // after a failure, no copy may still compute when the step returns
            Backend.setThreads(callerThreads);
        }
    }

    /** Waits for every copy still computing, whatever its outcome (its failure is already reported or moot). */
    private static void settle(List<Future<Double>> running) {
        boolean interrupted = false;
        for (Future<Double> f : running) {
            while (!f.isDone()) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException | java.util.concurrent.CancellationException e) {
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * ND4J's and OpenBLAS's thread counts, which hold for the whole JVM: narrowed while any copies
     * compute, and put back as they were when the last of them ends, so that trainings running at
     * once in one JVM (a study's trials in local mode, several tasks of one executor) cannot leave
     * them narrowed.
     */
    static final class JvmThreads {
        private static int users;
        private static int env;
        private static int blas;

        private JvmThreads() {
        }

        static synchronized void narrow(int share) {
            Blas b = Nd4j.factory().blas();
            if (users++ == 0) {
                env = Nd4j.getEnvironment().maxThreads();
                blas = b.getMaxThreads();
            }
            Nd4j.getEnvironment().setMaxThreads(share);
            b.setMaxThreads(share);
        }

        static synchronized void restore() {
            if (--users == 0) {
                Nd4j.getEnvironment().setMaxThreads(env);
                Nd4j.factory().blas().setMaxThreads(blas);
            }
        }
    }

    private double gradient(int copy, DataSet batch, long from, long to, int iteration, int epoch) {
        ComputationGraph g = copies.get(copy);
        if (copy > 0) {
            Backend.setThreads(threads[copy]); // a copy thread's own OpenMP count
            // computeGradientAndScore gives every layer the configuration's counts (schedules of dropout, weight noise)
            g.getConfiguration().setIterationCount(iteration);
            g.getConfiguration().setEpochCount(epoch);
        }
        g.setInputs(rows(batch.getFeatures(), from, to));
        g.setLabels(rows(batch.getLabels(), from, to));
        g.computeGradientAndScore();
        return g.score();
    }

    private static double await(Future<Double> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("training interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static INDArray rows(INDArray a, long from, long to) {
        return from == 0 && to == a.size(0) ? a : a.get(NDArrayIndex.interval(from, to)).dup(a.ordering());
    }

    private static INDArray slice(INDArray flat, long[] range) {
        return flat.rank() == 1 ? flat.get(NDArrayIndex.interval(range[0], range[1]))
                : flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(range[0], range[1]));
    }

    private static List<long[]> ranges(BitSet positions) {
        List<long[]> out = new ArrayList<>();
        for (int s = positions.nextSetBit(0); s >= 0; ) {
            int e = positions.nextClearBit(s);
            out.add(new long[] {s, e});
            s = positions.nextSetBit(e);
        }
        return out;
    }

    /**
     * Puts ND4J's and OpenBLAS's JVM-wide thread counts back as they were before the first step (when
     * no other training narrows them), for work between steps that should use every thread, such as an
     * evaluation; the next step narrows them again.
     */
    public void releaseThreads() {
        if (holdsJvmThreads) {
            holdsJvmThreads = false;
            JvmThreads.restore();
        }
    }

    /**
     * Releases the JVM-wide thread counts, gives the network's layers back the configurations they had
     * before the first fused step, frees each copy thread's ND4J workspaces on that thread, then ends
     * the threads.
     */
    @Override
    public void close() {
        releaseThreads();
        DeferredWeightDecay.restore(deferredConfs);
        for (ExecutorService t : threadOf) {
            try {
                t.submit(() -> Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread()).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // the thread's workspaces stay until collected; nothing else depends on them
            } finally {
                t.shutdownNow();
            }
        }
    }
}
