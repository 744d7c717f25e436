package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.learn.ModelCost;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Channel pruning in one call: {@link FlopsBudget} turns preserve ratios (or uniform ratios)
 * into channel counts meeting a MAC target, a {@link ChannelSelector} picks the channels of each
 * group, {@link ChannelSurgery} builds the smaller network. Fine-tuning is the caller's next step
 * (e.g. {@code Trainer}); the pruned network starts with a fresh optimizer state.
 *
 * <p>Immutable; one instance may prune many networks.
 */
public final class ChannelPruning {
    private final ChannelSelector selector;
    private final boolean keepFirstGroup;

    /** Pruning with {@code selector}, keeping the first convolution's group whole. */
    public ChannelPruning(ChannelSelector selector) {
        this(selector, true);
    }

    /**
     * @param selector       picks the channels to keep in each group
     * @param keepFirstGroup whether the group of the first convolution stays whole
     */
    public ChannelPruning(ChannelSelector selector, boolean keepFirstGroup) {
        if (selector == null) {
            throw new IllegalArgumentException("selector is null; use new L1ChannelSelector() for filter-norm pruning");
        }
        this.selector = selector;
        this.keepFirstGroup = keepFirstGroup;
    }

    /** Prunes with the same preserve ratio in every group, chosen to meet {@code targetMacFraction}. */
    public PrunedNetwork pruneUniform(ComputationGraph graph, ImageShape shape, double targetMacFraction) {
        ModelInfo info = ModelInfo.of(graph, shape);
        FlopsBudget budget = new FlopsBudget(info, keepFirstGroup);
        return prune(graph, shape, info, budget, budget.uniformRatios(targetMacFraction), targetMacFraction);
    }

    /**
     * Prunes to {@code targetMacFraction} of the MACs following per-group preserve ratios.
     *
     * @param graph             the trained network; not modified
     * @param shape             its input images
     * @param targetMacFraction fraction of the multiply-adds to keep, in (0, 1]
     * @param ratios            per group id, preferred fraction of channels to keep (see {@link FlopsBudget})
     */
    public PrunedNetwork prune(ComputationGraph graph, ImageShape shape, double targetMacFraction,
                               Map<Integer, Double> ratios) {
        ModelInfo info = ModelInfo.of(graph, shape);
        return prune(graph, shape, info, new FlopsBudget(info, keepFirstGroup), ratios, targetMacFraction);
    }

    private PrunedNetwork prune(ComputationGraph graph, ImageShape shape, ModelInfo info, FlopsBudget budget,
                                Map<Integer, Double> ratios, double target) {
        ChannelAllocation allocation = budget.allocate(ratios, target);
        Map<Integer, int[]> keep = new TreeMap<>();
        List<PrunedGroup> groups = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : allocation.channels().entrySet()) {
            ChannelGroup g = info.groups().get(e.getKey());
            int count = e.getValue();
            int[] kept = count == g.channels() ? allChannels(g) : selector.select(graph, info, g, count);
            if (kept.length != count) {
                throw new IllegalStateException("selector " + selector.name() + " returned " + kept.length
                        + " channels for group " + g.id() + ", asked for " + count);
            }
            if (count < g.channels()) {
                keep.put(g.id(), kept);
            }
            groups.add(new PrunedGroup(g.id(), g.producers(), g.channels(), Arrays.stream(kept).boxed().toList()));
        }
        ComputationGraph smaller = ChannelSurgery.prune(graph, info, keep);
        ModelInfo after = ModelInfo.of(smaller, shape);
        if (after.totalMacs() != allocation.macs()) {
            throw new IllegalStateException("pruned network has " + after.totalMacs() + " MACs, the cost model "
                    + "predicted " + allocation.macs());
        }
        return new PrunedNetwork(smaller, new PruningReport(selector.name(), target, groups, ModelCost.of(info),
                ModelCost.of(after)));
    }

    private static int[] allChannels(ChannelGroup g) {
        int[] all = new int[Math.toIntExact(g.channels())];
        Arrays.setAll(all, i -> i);
        return all;
    }
}
