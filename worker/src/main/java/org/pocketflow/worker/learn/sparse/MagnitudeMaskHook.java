package org.pocketflow.worker.learn.sparse;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.learn.WeightTensor;
import org.pocketflow.worker.train.HookState;
import org.pocketflow.worker.train.StepHook;

/**
 * Magnitude pruning with masked updates (Zhu and Gupta 2017, section 3): every
 * {@code updateEvery} steps each tensor's mask is recomputed to zero its smallest-magnitude
 * weights at the schedule's current sparsity for that tensor; after every optimizer step the
 * masks are applied again, so pruned weights stay zero whatever momentum would do. Masks only
 * grow: a weight once pruned is zero and therefore among the smallest at the next update.
 *
 * <p>{@link #finish} applies the final per-tensor sparsity exactly, also after zero steps. One
 * hook per fine-tuning run (see {@link StepHook}). Its state is the masks, one bit per weight (a
 * mask is not always the weights that are not zero: a kept weight may land on 0.0); the schedule
 * follows from the run's steps.
 */
final class MagnitudeMaskHook implements StepHook {
    private final List<WeightTensor> tensors;
    private final Map<String, Double> target;
    private final double rampFraction;
    private final Map<String, boolean[]> masks = new HashMap<>();
    private GradualSchedule schedule;

    /**
     * @param target       per tensor key, the final sparsity
     * @param rampFraction share of the run over which sparsity ramps up to its target
     */
    MagnitudeMaskHook(List<WeightTensor> tensors, Map<String, Double> target, double rampFraction) {
        this.tensors = List.copyOf(tensors);
        this.target = Map.copyOf(target);
        this.rampFraction = rampFraction;
    }

    @Override
    public void afterStep(ComputationGraph graph, long step, long totalSteps) {
        if (schedule == null) {
            schedule = GradualSchedule.over(totalSteps, rampFraction);
        }
        long every = Math.max(1, schedule.endStep() / 50);
        boolean update = step % every == 0 || step == schedule.endStep();
        for (WeightTensor t : tensors) {
            float[] w = t.read(graph);
            if (update) {
                masks.put(t.key(), mask(w, schedule.sparsityAt(step + 1, target.get(t.key()))));
            }
            boolean[] m = masks.get(t.key());
            if (m != null) {
                apply(w, m);
                t.write(graph, w);
            }
        }
    }

    @Override
    public String stateName() {
        return "magnitude-mask/1";
    }

    /** Per tensor in order: its key, whether it has a mask yet, and the mask's bits (1 = kept), eight to a byte. */
    @Override
    public void saveState(DataOutput out) throws IOException {
        for (WeightTensor t : tensors) {
            HookState.writeKey(out, t.key());
            boolean[] m = masks.get(t.key());
            out.writeBoolean(m != null);
            if (m != null) {
                byte[] bits = new byte[(m.length + 7) / 8];
                for (int i = 0; i < m.length; i++) {
                    if (m[i]) {
                        bits[i >> 3] |= (byte) (1 << (i & 7));
                    }
                }
                out.writeInt(m.length);
                out.write(bits);
            }
        }
    }

    @Override
    public void restoreState(DataInput in) throws IOException {
        masks.clear();
        for (WeightTensor t : tensors) {
            HookState.readKey(in, t.key());
            if (!in.readBoolean()) {
                continue;
            }
            int n = in.readInt();
            if (n != t.size()) {
                throw new IllegalStateException("hook state holds a mask of " + n + " weights for " + t.key()
                        + ", this network has " + t.size());
            }
            byte[] bits = new byte[(n + 7) / 8];
            in.readFully(bits);
            boolean[] m = new boolean[n];
            for (int i = 0; i < n; i++) {
                m[i] = (bits[i >> 3] >> (i & 7) & 1) != 0;
            }
            masks.put(t.key(), m);
        }
    }

    @Override
    public void finish(ComputationGraph graph) {
        for (WeightTensor t : tensors) {
            float[] w = t.read(graph);
            apply(w, mask(w, target.get(t.key())));
            t.write(graph, w);
        }
    }

    /** Keeps all but the {@code round(sparsity * n)} smallest-magnitude weights (ties by position). */
    static boolean[] mask(float[] w, double sparsity) {
        int prune = (int) Math.round(sparsity * w.length);
        boolean[] keep = new boolean[w.length];
        Arrays.fill(keep, true);
        if (prune == 0) {
            return keep;
        }
        Integer[] order = new Integer[w.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Float.compare(Math.abs(w[a]), Math.abs(w[b]));
            return c != 0 ? c : Integer.compare(a, b);
        });
        for (int i = 0; i < prune; i++) {
            keep[order[i]] = false;
        }
        return keep;
    }

    private static void apply(float[] w, boolean[] keep) {
        for (int i = 0; i < w.length; i++) {
            if (!keep[i]) {
                w[i] = 0f;
            }
        }
    }
}
