package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.LayerInfo;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Turns per-group preserve ratios into channel counts that meet a multiply-add budget by
 * construction, as AMC bounds its agent's actions (He, Lin, Liu, Wang, Li and Han 2018,
 * "AMC: AutoML for Model Compression and Acceleration on Mobile Devices", section 3.3: each
 * layer's action is limited so that the budget can still be met with the remaining layers
 * pruned as far as allowed).
 *
 * <p>Prunable groups are decided one after another in {@link ModelInfo#groups()} order. Group
 * {@code i} wants {@code round(ratio_i * C_i)} channels (at least 1). Its count is then clamped to
 * {@code [lower, upper]}: {@code upper} is the most channels for which the budget is still met
 * with every later group at one channel, {@code lower} the fewest for which the budget can still
 * be used up with every later group whole. So the result never exceeds the budget, and the last
 * groups take what the budget leaves, which keeps it within about one channel's MACs below it.
 *
 * <p>The group of the first convolution (for ResNet the whole first residual stage) is kept whole
 * by default, as AMC and most channel-pruning papers do; a ratio given for it is then ignored.
 * Groups fixed by the task (the network output) are never cut. Immutable and thread-safe.
 */
public final class FlopsBudget {
    private final ModelInfo info;
    private final ChannelCostModel cost;
    private final boolean keepFirstGroup;
    private final int firstGroup;
    private final List<Integer> free;

    /** A budget that keeps the first convolution's group whole. */
    public FlopsBudget(ModelInfo info) {
        this(info, true);
    }

    /**
     * @param info           the network to prune
     * @param keepFirstGroup whether the group of the first convolution stays whole
     */
    public FlopsBudget(ModelInfo info, boolean keepFirstGroup) {
        this.info = info;
        this.cost = ChannelCostModel.of(info);
        this.keepFirstGroup = keepFirstGroup;
        this.firstGroup = firstProducerGroup(info);
        List<Integer> ids = new ArrayList<>();
        for (ChannelGroup g : info.groups()) {
            if (g.prunable() && !(keepFirstGroup && g.id() == firstGroup)) {
                ids.add(g.id());
            }
        }
        this.free = List.copyOf(ids);
    }

    /** Equal preserve ratios for every group that {@link #allocate} can cut, meeting {@code targetFraction}. */
    public static Map<Integer, Double> uniform(ModelInfo info, double targetFraction) {
        return new FlopsBudget(info).uniformRatios(targetFraction);
    }

    /** The groups {@link #allocate} decides, in order. */
    public List<Integer> prunableGroups() {
        return free;
    }

    /** The cost model the budget is computed with. */
    public ChannelCostModel costModel() {
        return cost;
    }

    /** The smallest MAC fraction reachable: one channel in every group this budget can cut. */
    public double minimumFraction() {
        return cost.macs(atMinimum()) / (double) cost.fullMacs();
    }

    /**
     * Channel counts per group from preserve ratios, meeting the budget (see the class comment).
     *
     * @param ratios         per group id, the preferred fraction of channels to keep, in (0, 1];
     *                       groups left out prefer 1
     * @param targetFraction the fraction of the network's MACs to keep, in (0, 1]
     * @throws IllegalArgumentException naming the group and value for a ratio outside (0, 1] or an
     *         unknown or unprunable group; for a target outside (0, 1] or below {@link #minimumFraction()}
     */
    public ChannelAllocation allocate(Map<Integer, Double> ratios, double targetFraction) {
        checkRatios(ratios);
        long budget = budgetFor(targetFraction);
        long[] full = cost.fullChannels();
        long[] low = atMinimum();
        long[] high = full.clone();
        for (int id : free) {
            long wanted = Math.max(1, Math.min(full[id], Math.round(ratios.getOrDefault(id, 1.0) * full[id])));
            long upper = largestWithin(low, id, full[id], budget);
            long lower = smallestReaching(high, id, full[id], budget);
            long n = Math.min(Math.max(wanted, lower), upper);
            low[id] = n;
            high[id] = n;
        }
        Map<Integer, Integer> channels = new LinkedHashMap<>();
        for (ChannelGroup g : info.groups()) {
            if (g.prunable()) {
                channels.put(g.id(), (int) low[g.id()]);
            }
        }
        return new ChannelAllocation(channels, cost.macs(low), cost.fullMacs(), targetFraction);
    }

    /** One preserve ratio for every group this budget cuts, the largest whose rounded counts meet the target. */
    public Map<Integer, Double> uniformRatios(double targetFraction) {
        long budget = budgetFor(targetFraction);
        double ratio = 1.0;
        if (cost.macs(uniformCounts(1.0)) > budget) {
            double lo = 0.0;
            double hi = 1.0;
            for (int i = 0; i < 60; i++) {
                double mid = (lo + hi) / 2;
                if (cost.macs(uniformCounts(mid)) <= budget) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            ratio = Math.max(lo, Double.MIN_NORMAL);
        }
        Map<Integer, Double> ratios = new LinkedHashMap<>();
        for (int id : free) {
            ratios.put(id, ratio);
        }
        return ratios;
    }

    private long[] uniformCounts(double ratio) {
        long[] c = cost.fullChannels();
        for (int id : free) {
            c[id] = Math.max(1, Math.min(c[id], Math.round(ratio * c[id])));
        }
        return c;
    }

    private long[] atMinimum() {
        long[] c = cost.fullChannels();
        for (int id : free) {
            c[id] = 1;
        }
        return c;
    }

    /** The most channels of group {@code id} with {@code macs(others, n) <= budget}; 1 at least. */
    private long largestWithin(long[] others, int id, long max, long budget) {
        return Math.max(1, firstWhere(others, id, max, macs -> macs > budget) - 1);
    }

    /** The fewest channels of group {@code id} with {@code macs(others, n) >= budget}; {@code max} if none. */
    private long smallestReaching(long[] others, int id, long max, long budget) {
        return Math.min(max, firstWhere(others, id, max, macs -> macs >= budget));
    }

    /**
     * The smallest {@code n} in {@code [1, max]} for which {@code test} holds on the MACs with group
     * {@code id} at {@code n} channels, or {@code max + 1}; MACs grow with {@code n}, so a binary search.
     */
    private long firstWhere(long[] others, int id, long max, LongPredicate test) {
        long[] c = others.clone();
        long lo = 1;
        long hi = max + 1;
        while (lo < hi) {
            long mid = (lo + hi) / 2;
            c[id] = mid;
            if (test.test(cost.macs(c))) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private long budgetFor(double targetFraction) {
        if (!(targetFraction > 0 && targetFraction <= 1)) {
            throw new IllegalArgumentException("target MAC fraction must be in (0, 1], but got " + targetFraction
                    + "; e.g. 0.5 keeps half of the multiply-adds");
        }
        long budget = (long) Math.floor(targetFraction * cost.fullMacs());
        long minimum = cost.macs(atMinimum());
        if (minimum > budget) {
            throw new IllegalArgumentException(String.format("target MAC fraction %s cannot be met: with one channel "
                    + "left in every prunable group the network still needs %.4f of its MACs (%d of %d; layers "
                    + "outside the prunable groups%s cost the rest). Fix: set the target to at least %.4f%s",
                    targetFraction, minimumFraction(), minimum, cost.fullMacs(),
                    keepFirstGroup ? ", the first group kept whole," : "", Math.ceil(minimumFraction() * 1e4) / 1e4,
                    keepFirstGroup ? " or let the first group be pruned" : ""));
        }
        return budget;
    }

    private void checkRatios(Map<Integer, Double> ratios) {
        if (ratios == null) {
            throw new IllegalArgumentException("ratios map is null; pass an empty map to prefer keeping every channel "
                    + "or FlopsBudget.uniform(info, target) for equal ratios");
        }
        for (Map.Entry<Integer, Double> e : ratios.entrySet()) {
            Integer id = e.getKey();
            if (id == null || id < 0 || id >= info.groups().size()) {
                throw new IllegalArgumentException("preserve ratio given for unknown channel group " + id
                        + "; this network has groups 0 to " + (info.groups().size() - 1));
            }
            ChannelGroup g = info.groups().get(id);
            if (!g.prunable()) {
                throw new IllegalArgumentException("preserve ratio given for channel group " + id + " (producers "
                        + g.producers() + "), which is fixed by the task and cannot be pruned; remove it");
            }
            Double r = e.getValue();
            if (r == null || !(r > 0 && r <= 1)) {
                throw new IllegalArgumentException("preserve ratio of channel group " + id + " (producers "
                        + g.producers() + ") must be in (0, 1], but got " + r + "; 1 keeps every channel");
            }
        }
    }

    private static int firstProducerGroup(ModelInfo info) {
        for (LayerInfo l : info.layers()) {
            if (l.macs() > 0) {
                ChannelGroup g = info.groupOf(l.name());
                if (g.producers().contains(l.name())) {
                    return g.id();
                }
            }
        }
        return -1;
    }
}
