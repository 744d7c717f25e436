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
 * group, {@link ChannelSurgery} builds the smaller network, and the selector's {@link
 * ConsumerReconstruction} (none for L1, least squares for LASSO) adjusts its consumer weights.
 * Fine-tuning is the caller's next step (e.g. {@code Trainer}); the pruned network starts with a
 * fresh optimizer state.
 *
 * <p>Speed: DL4J's inference time is not proportional to MACs. Measured per vertex at batch 64
 * (bench {@code LayerTimingBench}, oneDNN on, 2 shared cores): LeNet's first convolution (1 to 20
 * channels, 12% of the MACs) takes about half of the time, being bound by memory traffic; in
 * ResNet-20 batch norm takes a quarter of the time and the 16-channel first stage at 28x28 more
 * than the MAC share; a 3x3 convolution's time steps at multiples of 16 and barely falls between
 * them (conv 16 to 10 channels at 28x28: 1.73 ms against 1.83 ms for 16). So pruning the first group
 * ({@code keepFirstGroup = false}), rounding counts to {@link #SPEED_CHANNEL_MULTIPLE} and
 * preferring to cut the early, high-resolution groups (ratios that the late groups' budget clamp
 * then fills up) turn the same MAC fraction into more wall-clock gain. With oneDNN off, time follows
 * the MACs much more closely (LeNet 1.6-2.0x at 50%), but is 20 times longer. The constructors
 * without a multiple keep any count (as before); {@code PruningLatencyBench} prints the settings
 * side by side.
 *
 * <p>Immutable; one instance may prune many networks.
 */
public final class ChannelPruning {
    /**
     * Channel multiple measured fastest for DL4J with oneDNN ({@code linux-x86_64-onednn-avx2}): uniform
     * L1 pruning to 50% of the MACs with the first group pruned, multiple 8 against any count gave LeNet
     * 1.72x against 1.36x and ResNet-20 1.31x against 1.14x at batch 64 ({@code outputSingle}; per-vertex
     * sums 1.70x/1.48x and 1.44x/1.28x). Multiple 16 leaves ResNet's 16-channel groups at any count;
     * with the first group kept it gave 1.24x against 1.17x for 8 and 1.16x for any count. One run
     * each of {@code LayerTimingBench} on 2 shared cores. See the class comment.
     */
    public static final int SPEED_CHANNEL_MULTIPLE = 8;

    private final ChannelSelector selector;
    private final boolean keepFirstGroup;
    private final int channelMultiple;

    /** Pruning with {@code selector}, keeping the first convolution's group whole, any channel count. */
    public ChannelPruning(ChannelSelector selector) {
        this(selector, true);
    }

    /**
     * Pruning that allows any channel count ({@link FlopsBudget#ANY_COUNT}).
     *
     * @param selector       picks the channels to keep in each group
     * @param keepFirstGroup whether the group of the first convolution stays whole
     */
    public ChannelPruning(ChannelSelector selector, boolean keepFirstGroup) {
        this(selector, keepFirstGroup, FlopsBudget.ANY_COUNT);
    }

    /**
     * @param selector        picks the channels to keep in each group
     * @param keepFirstGroup  whether the group of the first convolution stays whole
     * @param channelMultiple kept channel counts are multiples of this or whole groups (see {@link
     *                        FlopsBudget}); {@link #SPEED_CHANNEL_MULTIPLE} for the measured fastest
     */
    public ChannelPruning(ChannelSelector selector, boolean keepFirstGroup, int channelMultiple) {
        if (selector == null) {
            throw new IllegalArgumentException("selector is null; use new L1ChannelSelector() for filter-norm pruning");
        }
        if (channelMultiple < 1) {
            throw new IllegalArgumentException("channel multiple must be >= 1, but got " + channelMultiple
                    + "; 1 allows any channel count, " + SPEED_CHANNEL_MULTIPLE + " is the measured fastest");
        }
        this.selector = selector;
        this.keepFirstGroup = keepFirstGroup;
        this.channelMultiple = channelMultiple;
    }

    /** Prunes with the same preserve ratio in every group, chosen to meet {@code targetMacFraction}. */
    public PrunedNetwork pruneUniform(ComputationGraph graph, ImageShape shape, double targetMacFraction) {
        ModelInfo info = ModelInfo.of(graph, shape);
        FlopsBudget budget = new FlopsBudget(info, keepFirstGroup, channelMultiple);
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
        FlopsBudget budget = new FlopsBudget(info, keepFirstGroup, channelMultiple);
        return prune(graph, shape, info, budget, ratios, targetMacFraction);
    }

    private PrunedNetwork prune(ComputationGraph graph, ImageShape shape, ModelInfo info, FlopsBudget budget,
                                Map<Integer, Double> ratios, double target) {
        ChannelAllocation allocation = budget.allocate(ratios, target);
        Map<Integer, int[]> keep = new TreeMap<>();
        List<PrunedGroup> groups = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : allocation.channels().entrySet()) {
            ChannelGroup g = info.groups().get(e.getKey());
            int count = e.getValue();
            int[] kept = count == g.channels() ? allChannels(g) : count == 0 ? new int[0]
                    : selector.select(graph, info, g, count);
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
        // a removed branch has no consumer left to reconstruct
        Map<Integer, int[]> cut = new TreeMap<>(keep);
        cut.values().removeIf(k -> k.length == 0);
        if (!cut.isEmpty()) {
            selector.reconstruction().reconstruct(graph, info, smaller, cut);
        }
        ModelInfo after = ModelInfo.of(smaller, shape);
        if (after.totalMacs() != allocation.macs()) {
            throw new IllegalStateException("pruned network has " + after.totalMacs() + " MACs, the cost model "
                    + "predicted " + allocation.macs());
        }
        List<String> notes = new ArrayList<>(PruningReport.wholeGroupNotes(info));
        keep.forEach((id, kept) -> {
            if (kept.length == 0) {
                notes.add("residual branch of group " + info.groups().get(id).name() + " removed (layers "
                        + String.join(", ", info.branch(id)) + "): its block passes the shortcut on");
            }
        });
        return new PrunedNetwork(smaller, new PruningReport(selector.name(), target, groups, ModelCost.of(info),
                ModelCost.of(after), notes));
    }

    private static int[] allChannels(ChannelGroup g) {
        int[] all = new int[Math.toIntExact(g.channels())];
        Arrays.setAll(all, i -> i);
        return all;
    }
}
