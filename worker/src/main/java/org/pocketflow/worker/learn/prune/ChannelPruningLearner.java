package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.learn.BatchNormReestimation;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.Compression;
import org.pocketflow.worker.learn.Knob;
import org.pocketflow.worker.learn.LayerFeatures;
import org.pocketflow.worker.learn.Learner;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.train.StepHook;

/**
 * Channel pruning as a {@link Learner} (PocketFlow's ChannelPrunedLearner): one preserve-ratio
 * knob per prunable channel group, named as the group ({@link ChannelGroup#name()}: its first
 * producer, {@code producer/k} for the k-th group of a producer split by a concatenation), from
 * {@code 1/C} (one channel) to 1; the MAC budget met
 * by construction by {@link FlopsBudget}; the network made physically smaller by
 * {@link ChannelPruning}. The architecture carries the constraint, so fine-tuning needs no hook
 * and the parameters are stored dense. After a cut, the pruned network's batch norms are
 * re-estimated ({@link BatchNormReestimation}) before it is fine-tuned or scored.
 */
public final class ChannelPruningLearner implements Learner {
    /** Untimed rounds before {@link #fastest} times its candidates. */
    static final int LATENCY_WARMUP = 15;
    /** Timed rounds of {@link #fastest}; each runs every candidate once. */
    static final int LATENCY_ITERATIONS = 30;

    private final ChannelSelector selector;
    private final boolean keepFirstGroup;
    private final int channelMultiple;
    private final BatchNormReestimation batchNorms;

    /** L1-norm channel selection, the first convolution's group kept whole, any channel count. */
    public ChannelPruningLearner() {
        this(new L1ChannelSelector(), true, FlopsBudget.ANY_COUNT);
    }

    /**
     * @param selector        which channels of a group to keep
     * @param keepFirstGroup  whether the first convolution's group stays whole
     * @param channelMultiple kept channel counts are multiples of this (1 = any count;
     *                        {@link ChannelPruning#SPEED_CHANNEL_MULTIPLE} is the measured fastest)
     */
    public ChannelPruningLearner(ChannelSelector selector, boolean keepFirstGroup, int channelMultiple) {
        this(selector, keepFirstGroup, channelMultiple, BatchNormReestimation.OFF);
    }

    /**
     * @param selector        which channels of a group to keep
     * @param keepFirstGroup  whether the first convolution's group stays whole
     * @param channelMultiple kept channel counts are multiples of this (1 = any count)
     * @param batchNorms      re-estimates the batch norms of every network this learner cuts
     *                        ({@link BatchNormReestimation#OFF}: keep the base's statistics)
     */
    public ChannelPruningLearner(ChannelSelector selector, boolean keepFirstGroup, int channelMultiple,
                                 BatchNormReestimation batchNorms) {
        this.selector = selector;
        this.keepFirstGroup = keepFirstGroup;
        this.channelMultiple = channelMultiple;
        this.batchNorms = batchNorms;
        if (channelMultiple < 1) {
            throw new IllegalArgumentException("channel multiple must be >= 1, but got " + channelMultiple
                    + ". Fix: use 1 for any channel count or " + ChannelPruning.SPEED_CHANNEL_MULTIPLE + " for speed");
        }
    }

    private FlopsBudget budget(ModelInfo info) {
        return new FlopsBudget(info, keepFirstGroup, channelMultiple);
    }

    @Override
    public String name() {
        return "channel-pruning";
    }

    @Override
    public List<Knob> knobs(ModelInfo info) {
        List<Integer> ids = budget(info).prunableGroups();
        List<Knob> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            ChannelGroup g = info.groups().get(ids.get(i));
            String name = nameOf(g);
            // from one channel to all of them: the range the budget's allocation itself spans
            out.add(new Knob(name, 1.0 / g.channels(), 1, false, LayerFeatures.of(info, g.producers().get(0), i, ids.size())));
        }
        return out;
    }

    @Override
    public Map<String, Double> meetBudget(ModelInfo info, Map<String, Double> preferred, Budget budget) {
        double target = checkedTarget(info, budget);
        FlopsBudget flops = budget(info);
        Map<Integer, Double> ratios = new LinkedHashMap<>();
        for (Knob k : knobs(info)) {
            Double v = preferred.get(k.name());
            int id = idOf(info, k.name());
            // 0 removes a residual branch (the latency allocation's choice); samplers stay within the knob
            ratios.put(id, v == null ? 1.0 : v == 0.0 && info.removable(id) ? 0.0 : k.check(v, name()));
        }
        return ratiosByName(info, flops.allocate(ratios, target));
    }

    @Override
    public Map<String, Double> uniform(ModelInfo info, Budget budget) {
        double target = checkedTarget(info, budget);
        FlopsBudget flops = budget(info);
        return ratiosByName(info, flops.allocate(flops.uniformRatios(target), target));
    }

    /**
     * The fastest of {@link LatencyAllocation}'s candidates, timed on this machine at batch
     * {@value LatencyAllocation#BATCH} in ONNX Runtime when the network exports, else in DL4J
     * ({@value #LATENCY_WARMUP} warm-up and {@value #LATENCY_ITERATIONS} timed rounds for the
     * candidates timed again).
     */
    @Override
    public Map<String, Double> fastest(ComputationGraph graph, ImageShape shape, Budget budget,
                                       Consumer<String> progress) {
        ModelInfo info = ModelInfo.of(graph, shape);
        double target = checkedTarget(info, budget);
        LatencyAllocation.Choice choice = LatencyAllocation.choose(graph, shape, budget(info), target,
                LATENCY_WARMUP, LATENCY_ITERATIONS, progress);
        progress.accept(String.format("latency allocation: chose %s (%.2fx faster than unpruned at batch %d in %s, "
                + "%.3f of the MACs)", choice.best().name(), choice.speedUp(), LatencyAllocation.BATCH,
                choice.runtime().label(), choice.best().allocation().macFraction()));
        return ratiosByName(info, choice.best().allocation());
    }

    @Override
    public Compression compress(ComputationGraph graph, ImageShape shape, Map<String, Double> settings,
                                Budget budget) {
        ModelInfo info = ModelInfo.of(graph, shape);
        Map<String, Double> ratios = meetBudget(info, settings, budget);
        Map<Integer, Double> byId = new LinkedHashMap<>();
        ratios.forEach((n, r) -> byId.put(idOf(info, n), r));
        PrunedNetwork pruned = new ChannelPruning(selector, keepFirstGroup, channelMultiple)
                .prune(graph, shape, budget.requireMacFraction(name()), byId);
        List<String> notes = new ArrayList<>(pruned.report().notes());
        if (ratios.values().stream().anyMatch(r -> r < 1)) {
            String reestimated = batchNorms.apply(pruned.graph());
            if (reestimated != null) {
                notes.add(reestimated);
            }
        }
        return new Compression(pruned.graph(), StepHook.NONE, finished -> Map.of(), ratios, notes);
    }

    private double checkedTarget(ModelInfo info, Budget budget) {
        double target = budget.requireMacFraction(name());
        String why = unreachable(info, target);
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
        return target;
    }

    /**
     * Why {@code target} cannot be met on {@code info}, naming the smallest reachable fraction and the
     * layers the network's structure leaves whole; null when it can be met.
     */
    public String unreachable(ModelInfo info, double target) {
        FlopsBudget flops = budget(info);
        double min = flops.minimumFraction();
        if (target >= min) {
            return null;
        }
        String whole = flops.wholeGroups();
        String fix = "raise pocketflow.learn.mac-fraction to at least " + String.format("%.4f", Math.ceil(min * 1e4) / 1e4);
        if (keepFirstGroup) {
            double all = new FlopsBudget(info, false, channelMultiple).minimumFraction();
            if (all <= target) {
                fix = "set pocketflow.learn.keep-first-conv = false (then " + String.format("%.4f", all)
                        + " is reachable) or " + fix;
            }
        }
        return name() + ": no candidate keeps only " + target + " of the MACs; the smallest reachable fraction is "
                + String.format("%.4f", min) + (keepFirstGroup ? " with the first convolution kept whole" : "")
                + (whole.isEmpty() ? "" : "; " + whole) + ". Fix: " + fix;
    }

    /** Kept channels / channels per knob, from an allocation. */
    private Map<String, Double> ratiosByName(ModelInfo info, ChannelAllocation allocation) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Knob k : knobs(info)) {
            ChannelGroup g = info.groups().get(idOf(info, k.name()));
            out.put(k.name(), allocation.channelsOf(g.id()) / (double) g.channels());
        }
        return out;
    }

    private static String nameOf(ChannelGroup g) {
        return g.name();
    }

    private static int idOf(ModelInfo info, String name) {
        return info.group(name).id();
    }
}
