package org.pocketflow.worker.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * The end of a {@link ReplicaStep} step in one pass of plain Java over the parameters: the copies'
 * gradients summed, divided by the minibatch size, DL4J's Nesterov momentum, its weight decay and the
 * parameter update. DL4J's updater does the same as seven or more libnd4j passes over the whole
 * parameter vector on the training thread alone, while the copies' threads wait (LeNet: 431,080
 * parameters, about 1 ms a step of a 10 ms step, docs/SPEED.md); this pass is split between two threads.
 *
 * <p>It computes, in float, what DL4J 1.0.0-M2 computes for each parameter position, in the same
 * order and with the same fused multiply-adds as libnd4j's AVX2 build (on CPUs with them, {@link #FMA}),
 * so that the result is DL4J's bit for bit: {@code g = g0 + g1 + ...}; {@code g = g / n} where DL4J divides by the minibatch;
 * for Nesterov's {@code v ← fma(μ, v, −lr·g)}, {@code u = fma(μ, v_old, (−μ−1)·v)}; for NoOp
 * {@code u = g}; for {@link WeightDecay} (applied after the updater) {@code u = fma(w, lr·coeff, u)};
 * then {@code w ← w − u}, and the gradient array holds {@code u} as after DL4J's updater. The
 * learning rate, momentum and decay come from each updater block's configuration at the step's
 * iteration and epoch (schedules included); the momentum state is the updater's own state array,
 * so checkpoints and {@link UpdaterPositions} see the layout DL4J's updater keeps.
 *
 * <p>{@link #of} returns {@code null} for what it does not cover, and the step then uses DL4J's
 * updater: other updaters, regularization other than one {@link WeightDecay} per parameter,
 * gradient normalization, pretraining blocks, data other than float.
 */
final class NesterovStepFused {
    private static final int CHUNK = 2048;
    /**
     * Whether the CPU has x86's fused multiply-add (FMA3), which libnd4j's AVX2 build uses. Without it
     * {@link Math#fma} is computed in software, thousands of times slower, and libnd4j's build does not
     * fuse either: the pass then multiplies and adds separately (DL4J's result to float rounding).
     */
    static final boolean FMA = cpuHasFma();

    /** Parameter positions {@code [from, to)} treated alike; {@code stateFrom} is where their momentum starts. */
    private record Run(int from, int to, int stateFrom, boolean summed, boolean divided, IUpdater updater,
                       WeightDecay decay) {
    }

    /**
     * One step's scalars for a run, in float as libnd4j casts them, and the decay's coefficient for
     * its score.
     */
    private record Scalars(float lr, float mu, float muT, float decay, double scoreCoeff) {
    }

    private final ComputationGraph graph;
    private final List<Run> runs;
    private final int length;

    private NesterovStepFused(ComputationGraph graph, List<Run> runs, int length) {
        this.graph = graph;
        this.runs = runs;
        this.length = length;
    }

    /**
     * The fused step for {@code graph} (its updater, created here if absent, lays out the state),
     * or {@code null} where DL4J's updater must run. {@code direct} are the positions whose copies'
     * values the caller has already combined into the network's gradient (batch norm's running
     * statistics), which are not summed again.
     */
    static NesterovStepFused of(ComputationGraph graph, BitSet direct) {
        if (graph.params().dataType() != DataType.FLOAT || graph.params().length() > Integer.MAX_VALUE) {
            return null;
        }
        BaseMultiLayerUpdater<?> updater = graph.getUpdater();
        boolean miniBatch = graph.conf().isMiniBatch();
        List<Run> runs = new ArrayList<>();
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            if (block.isPretrainUpdaterBlock()) {
                return null;
            }
            if (block.getGradientUpdater() == null) {
                block.init(); // as DL4J's first update does: zeroes a fresh state, keeps a restored one
            }
            IUpdater u = block.getGradientUpdater().getConfig();
            if (!(u instanceof Nesterovs) && !(u instanceof NoOp)) {
                return null;
            }
            int pos = block.getParamOffsetStart();
            int state = block.getUpdaterViewOffsetStart();
            for (UpdaterBlock.ParamState p : block.getLayersAndVariablesInBlock()) {
                Trainable layer = p.getLayer();
                GradientNormalization norm = layer.getConfig().getGradientNormalization();
                if (norm != null && norm != GradientNormalization.None) {
                    return null;
                }
                List<Regularization> regs = layer.getConfig().getRegularizationByParam(p.getParamName());
                WeightDecay decay = null;
                if (regs != null && !regs.isEmpty()) {
                    if (regs.size() > 1 || !(regs.get(0).getClass() == WeightDecay.class || regs.get(0) instanceof DeferredWeightDecay)
                            || u instanceof NoOp) {
                        return null;
                    }
                    decay = (WeightDecay) regs.get(0);
                }
                boolean divided = miniBatch && layer.updaterDivideByMinibatch(p.getParamName());
                int n = (int) p.getParamView().length();
                for (int s = pos; s < pos + n; ) {
                    boolean isDirect = direct.get(s);
                    int e = Math.min(pos + n, isDirect ? direct.nextClearBit(s) : nextSet(direct, s));
                    runs.add(new Run(s, e, u instanceof NoOp ? -1 : state + (s - block.getParamOffsetStart()), !isDirect,
                            divided, u, decay));
                    s = e;
                }
                pos += n;
            }
            if (pos != block.getParamOffsetEnd()) {
                return null; // a layout this pass does not know
            }
        }
        return new NesterovStepFused(graph, runs, (int) graph.params().length());
    }

    private static boolean cpuHasFma() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("flags")).findFirst().map(l -> (l + " ").contains(" fma ")).orElse(false);
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    private static int nextSet(BitSet b, int from) {
        int i = b.nextSetBit(from);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    /**
     * One step: {@code gradients.get(0)} is the network's flattened gradient, the others its copies'
     * (the same layout), each summed over its share of a minibatch of {@code batchSize}. Half the
     * positions are computed on {@code helper} (a thread that is idle meanwhile), half on this one.
     *
     * @return the weight decay's score at the parameters before the step, {@code Σ coeff/2·Σw²} over
     *         the decayed parameters, as DL4J adds it to the loss ({@link DeferredWeightDecay})
     */
    double apply(List<INDArray> gradients, int batchSize, int iteration, int epoch, ExecutorService helper) {
        List<Scalars> scalars = new ArrayList<>(runs.size());
        for (Run r : runs) {
            scalars.add(scalars(r, iteration, epoch));
        }
        INDArray params = graph.params();
        INDArray state = graph.getUpdater().getStateViewArray();
        FloatBuffer w = buffer(params);
        FloatBuffer v = state == null ? null : buffer(state);
        FloatBuffer[] g = new FloatBuffer[gradients.size()];
        for (int i = 0; i < g.length; i++) {
            g[i] = buffer(gradients.get(i));
        }
        int half = length / 2;
        Future<Double> other = helper.submit(() -> apply(half, length, g, w, v, scalars, batchSize));
        double score = apply(0, half, g, w, v, scalars, batchSize);
        try {
            return score + other.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the optimizer step", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("optimizer step failed", e.getCause());
        }
    }

    private static Scalars scalars(Run r, int iteration, int epoch) {
        if (!(r.updater() instanceof Nesterovs n)) {
            return new Scalars(0f, 0f, 0f, 0f, 0);
        }
        double lr = n.getLearningRate(iteration, epoch);
        float mu = (float) n.currentMomentum(iteration, epoch);
        double coeff = r.decay() == null ? 0 : r.decay().getCoeff().valueAt(iteration, epoch);
        double decay = r.decay() != null && r.decay().isApplyLR() ? coeff * lr : coeff;
        return new Scalars((float) lr, mu, -mu - 1f, (float) decay, coeff);
    }

    private static FloatBuffer buffer(INDArray a) {
        FloatBuffer b = a.data().asNioFloat();
        return b.position((int) a.offset()).slice();
    }

    /** Positions {@code [from, to)}; returns their part of the weight decay's score. */
    private double apply(int from, int to, FloatBuffer[] g, FloatBuffer w, FloatBuffer v, List<Scalars> scalars,
                         int batchSize) {
        double score = 0;
        float n = batchSize;
        float[] gs = new float[CHUNK];
        float[] os = new float[CHUNK];
        float[] ws = new float[CHUNK];
        float[] vs = new float[CHUNK];
        for (int r = 0; r < runs.size(); r++) {
            Run run = runs.get(r);
            Scalars s = scalars.get(r);
            int a = Math.max(from, run.from());
            int b = Math.min(to, run.to());
            double squares = 0;
            for (int at = a; at < b; at += CHUNK) {
                int len = Math.min(CHUNK, b - at);
                g[0].get(at, gs, 0, len);
                if (run.summed()) {
                    for (int c = 1; c < g.length; c++) {
                        g[c].get(at, os, 0, len);
                        for (int k = 0; k < len; k++) {
                            gs[k] += os[k];
                        }
                    }
                }
                if (run.divided()) {
                    for (int k = 0; k < len; k++) {
                        gs[k] /= n;
                    }
                }
                if (run.stateFrom() >= 0) {
                    int st = run.stateFrom() + (at - run.from());
                    v.get(st, vs, 0, len);
                    if (FMA) {
                        for (int k = 0; k < len; k++) {
                            float next = Math.fma(s.mu(), vs[k], -s.lr() * gs[k]);
                            gs[k] = Math.fma(s.mu(), vs[k], s.muT() * next);
                            vs[k] = next;
                        }
                    } else {
                        for (int k = 0; k < len; k++) {
                            float prev = s.mu() * vs[k];
                            float next = prev - s.lr() * gs[k];
                            gs[k] = prev + s.muT() * next;
                            vs[k] = next;
                        }
                    }
                    v.put(st, vs, 0, len);
                }
                w.get(at, ws, 0, len);
                if (run.decay() != null) {
                    squares += squares(ws, len);
                    for (int k = 0; k < len; k++) {
                        gs[k] = FMA ? Math.fma(ws[k], s.decay(), gs[k]) : ws[k] * s.decay() + gs[k];
                    }
                }
                for (int k = 0; k < len; k++) {
                    ws[k] -= gs[k];
                }
                w.put(at, ws, 0, len);
                g[0].put(at, gs, 0, len);
            }
            score += s.scoreCoeff() * 0.5 * squares;
        }
        return score;
    }

    /** {@code Σ x²} over the first {@code len} values in double, four sums at once (one would wait on each addition). */
    private static double squares(float[] x, int len) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int k = 0;
        for (; k + 3 < len; k += 4) {
            double a = x[k];
            double b = x[k + 1];
            double c = x[k + 2];
            double d = x[k + 3];
            s0 += a * a;
            s1 += b * b;
            s2 += c * c;
            s3 += d * d;
        }
        for (; k < len; k++) {
            double a = x[k];
            s0 += a * a;
        }
        return s0 + s1 + s2 + s3;
    }
}
