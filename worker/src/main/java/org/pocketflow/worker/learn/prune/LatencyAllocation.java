package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.export.BatchNormFolding;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Chooses how to spread a MAC budget over the channel groups by measuring, not by counting:
 * with oneDNN the time of a layer does not follow its multiply-adds (LeNet's first convolution
 * has 12% of the MACs and half of the batch-64 time; small channel counts at high resolution are
 * memory-bound), so the allocation with the fewest MACs per group is not the fastest. A few
 * candidate allocations that all meet the budget are built (channels cut by surgery only, no
 * selection or fine-tuning: which channels are kept does not change the time), timed in their
 * inference form (batch norms folded, {@link BatchNormFolding}: what a job deploys as {@code
 * inference.zip}) at batch 64 round-robin with the unpruned network on this machine, and the fastest is returned (as NetAdapt,
 * Yang et al. 2018, and AMC's latency mode, He et al. 2018, use measured latency rather than
 * FLOPs).
 *
 * <p>Candidates: the uniform allocation ({@link FlopsBudget#uniformRatios}); the groups with
 * several producers (ResNet's residual channels, shared by every block of a stage) whole and the
 * others sharing one ratio; and for every split of
 * the groups by the resolution of their outputs (largest first), the higher-resolution groups fixed
 * at a preserve ratio of 1, 0.75 or 0.5 while the others share one ratio that meets the budget
 * ({@link FlopsBudget#fillRatios}). Candidates whose fixed groups alone exceed the budget are left
 * out; identical allocations are timed once.
 *
 * <p>The timing depends on the machine and its load: the choice is a measurement, reported with its
 * figures, not a property of the network. Stateless.
 */
public final class LatencyAllocation {
    /** Preserve ratios tried for the higher-resolution groups. */
    static final double[] FIXED_RATIOS = {1.0, 0.75, 0.5};
    /** Batch size the candidates are timed at. */
    public static final int BATCH = 64;

    private LatencyAllocation() {
    }

    /** One allocation and its measured time. */
    public record Candidate(String name, ChannelAllocation allocation, double millis) {
    }

    /**
     * The measured candidates.
     *
     * @param candidates     every candidate timed, in the order built (uniform first)
     * @param unprunedMillis median batch time of the unpruned network, timed beside them
     */
    public record Choice(List<Candidate> candidates, double unprunedMillis) {
        /** The fastest candidate (the earlier on a tie). */
        public Candidate best() {
            Candidate best = candidates.get(0);
            for (Candidate c : candidates) {
                if (c.millis() < best.millis()) {
                    best = c;
                }
            }
            return best;
        }

        /** Unpruned time over the best candidate's. */
        public double speedUp() {
            return unprunedMillis / best().millis();
        }
    }

    /**
     * Times the candidates and returns them.
     *
     * @param graph      the network to prune; not modified
     * @param shape      its input images
     * @param budget     the budget rule (first group kept or not, channel multiple)
     * @param target     fraction of the MACs to keep, in (0, 1]
     * @param warmup     untimed rounds before timing, at least 0
     * @param iterations timed rounds, at least 1 (each round runs every network once)
     * @param progress   one line per candidate
     */
    public static Choice choose(ComputationGraph graph, ImageShape shape, FlopsBudget budget, double target,
                                int warmup, int iterations, Consumer<String> progress) {
        if (warmup < 0 || iterations < 1) {
            throw new IllegalArgumentException("latency allocation needs warmup >= 0 and iterations >= 1, but got "
                    + warmup + " and " + iterations);
        }
        ModelInfo info = ModelInfo.of(graph, shape);
        Map<String, ChannelAllocation> candidates = candidates(info, budget, target);
        List<String> names = new ArrayList<>(candidates.keySet());
        ComputationGraph[] nets = new ComputationGraph[names.size() + 1];
        nets[0] = BatchNormFolding.fold(graph);
        for (int i = 0; i < names.size(); i++) {
            nets[i + 1] = BatchNormFolding.fold(timingCopy(graph, info, candidates.get(names.get(i))));
        }
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, shape.channels(), shape.height(), shape.width());
        double[] millis = medianMillis(nets, x, warmup, iterations);
        List<Candidate> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Candidate c = new Candidate(names.get(i), candidates.get(names.get(i)), millis[i + 1]);
            out.add(c);
            progress.accept(String.format("latency allocation: %-36s %.3f of the MACs, %.3f ms at batch %d (%.2fx), "
                            + "channels %s", c.name(), c.allocation().macFraction(), c.millis(), BATCH,
                    millis[0] / c.millis(), c.allocation().channels().values()));
        }
        return new Choice(out, millis[0]);
    }

    /** The candidate allocations by name, duplicates removed (see the class comment). */
    static Map<String, ChannelAllocation> candidates(ModelInfo info, FlopsBudget budget, double target) {
        Map<String, ChannelAllocation> out = new LinkedHashMap<>();
        List<ChannelAllocation> seen = new ArrayList<>();
        add(out, seen, "uniform", budget.allocate(budget.uniformRatios(target), target));
        Map<Integer, Double> shared = new TreeMap<>();
        for (int id : budget.prunableGroups()) {
            if (info.groups().get(id).producers().size() > 1) {
                shared.put(id, 1.0);
            }
        }
        tryFill(out, seen, "groups of several producers whole, rest filled", budget, shared, target);
        TreeSet<Long> sizes = new TreeSet<>();
        for (int id : budget.prunableGroups()) {
            sizes.add(resolution(info, info.groups().get(id)));
        }
        for (long size : sizes.descendingSet()) {
            if (size == sizes.first()) {
                break;
            }
            for (double ratio : FIXED_RATIOS) {
                Map<Integer, Double> fixed = new TreeMap<>();
                for (int id : budget.prunableGroups()) {
                    if (resolution(info, info.groups().get(id)) >= size) {
                        fixed.put(id, ratio);
                    }
                }
                tryFill(out, seen, String.format("outputs >= %d px at %.2f, rest filled", size, ratio), budget,
                        fixed, target);
            }
        }
        return out;
    }

    /** Adds the allocation with {@code fixed} groups and the rest filled, unless the fixed ones alone break the budget. */
    private static void tryFill(Map<String, ChannelAllocation> out, List<ChannelAllocation> seen, String name,
                                FlopsBudget budget, Map<Integer, Double> fixed, double target) {
        if (fixed.isEmpty()) {
            return;
        }
        Map<Integer, Double> ratios;
        try {
            ratios = budget.fillRatios(fixed, target);
        } catch (IllegalArgumentException tooMuch) {
            return;
        }
        add(out, seen, name, budget.allocate(ratios, target));
    }

    private static void add(Map<String, ChannelAllocation> out, List<ChannelAllocation> seen, String name,
                            ChannelAllocation a) {
        if (seen.stream().noneMatch(s -> s.channels().equals(a.channels()))) {
            seen.add(a);
            out.put(name, a);
        }
    }

    /** Output pixels per channel of the group's first producer (1 for a dense layer). */
    private static long resolution(ModelInfo info, ChannelGroup g) {
        long[] shape = info.layer(g.producers().get(0)).outputShape();
        return shape.length == 3 ? shape[1] * shape[2] : 1;
    }

    /**
     * {@code graph} with the first channels of every group cut to the allocation's counts, by
     * surgery alone: a network as fast as any pruning to these counts, for timing.
     */
    public static ComputationGraph timingCopy(ComputationGraph graph, ModelInfo info, ChannelAllocation a) {
        Map<Integer, int[]> keep = new TreeMap<>();
        a.channels().forEach((id, n) -> {
            if (n < info.groups().get(id).channels()) {
                keep.put(id, IntStream.range(0, n).toArray());
            }
        });
        return ChannelSurgery.prune(graph, info, keep);
    }

    /**
     * Median milliseconds of {@code outputSingle(false, x)} per network, the networks timed
     * round-robin (one call each per round, starting at a different network every round) so that
     * all see the same load on a shared machine.
     */
    public static double[] medianMillis(ComputationGraph[] nets, INDArray x, int warmup, int iterations) {
        double[][] t = roundRobinMillis(nets, x, warmup, iterations);
        double[] m = new double[nets.length];
        for (int n = 0; n < nets.length; n++) {
            m[n] = quantile(t[n], 0.5);
        }
        return m;
    }

    /** Every timed call's milliseconds, {@code [network][iteration]}, round-robin as {@link #medianMillis}. */
    public static double[][] roundRobinMillis(ComputationGraph[] nets, INDArray x, int warmup, int iterations) {
        double[][] t = new double[nets.length][iterations];
        for (int it = -warmup; it < iterations; it++) {
            for (int k = 0; k < nets.length; k++) {
                int n = Math.floorMod(it + k, nets.length);
                long s = System.nanoTime();
                nets[n].outputSingle(false, x);
                if (it >= 0) {
                    t[n][it] = (System.nanoTime() - s) / 1e6;
                }
            }
        }
        return t;
    }

    /** The {@code q} quantile of {@code times} (nearest rank). */
    public static double quantile(double[] times, double q) {
        double[] c = times.clone();
        Arrays.sort(c);
        return c[Math.min(c.length - 1, (int) Math.floor(q * c.length))];
    }
}
