package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;
import java.util.stream.LongStream;

import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ChannelRole;
import org.pocketflow.worker.model.LayerInfo;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Turns per-group preserve ratios into channel counts that meet a multiply-add budget by
 * construction, as AMC bounds its agent's actions (He, Lin, Liu, Wang, Li and Han 2018,
 * "AMC: AutoML for Model Compression and Acceleration on Mobile Devices", section 3.3: each
 * layer's action is limited so that the budget can still be met with the remaining layers
 * pruned as far as allowed).
 *
 * <p>Each group may keep only <em>allowed</em> counts: with a channel multiple {@code m} (1 by
 * default) the multiples of {@code m} below its size {@code C_i} and {@code C_i} itself (every
 * count from 1 when {@code C_i <= m}). Rounding to multiples of 8 or 16 matches oneDNN's blocked
 * formats, whose kernels do not get faster for counts between two multiples.
 *
 * <p>Prunable groups are decided one after another in {@link ModelInfo#groups()} order. Group
 * {@code i} wants the allowed count nearest {@code ratio_i * C_i}. Its count is then clamped to
 * {@code [lower, upper]} among the allowed counts: {@code upper} is the most channels for which the
 * budget is still met with every later group at its fewest allowed channels, {@code lower} the
 * fewest for which the budget can still be used up with every later group whole. So the result
 * never exceeds the budget, and the last groups take what the budget leaves, which keeps it within
 * about one allowed step's MACs below it.
 *
 * <p>A ratio of exactly 0 for a group that only a residual branch carries ({@link
 * ModelInfo#removable}) keeps none of its channels: {@link ChannelSurgery} then removes the branch.
 * Ratios never round to 0 otherwise, so only a caller that asks for it removes a branch (the
 * latency allocation's grid).
 *
 * <p>The group of the first convolution (for ResNet the whole first residual stage; every group its
 * output holds when a concatenation splits it) is kept whole
 * by default, as AMC and most channel-pruning papers do; a ratio given for it is then ignored.
 * Groups fixed by the task (the network output) are never cut. Immutable and thread-safe.
 */
public final class FlopsBudget {
    /** Channel multiple of the constructors without one: any count. */
    public static final int ANY_COUNT = 1;

    private final ModelInfo info;
    private final ChannelCostModel cost;
    private final boolean keepFirstGroup;
    private final int multiple;
    private final java.util.Set<Integer> firstGroups;
    private final List<Integer> free;
    private final Map<Integer, long[]> allowed;

    /** A budget that keeps the first convolution's group whole and allows any channel count. */
    public FlopsBudget(ModelInfo info) {
        this(info, true);
    }

    /**
     * A budget that allows any channel count.
     *
     * @param info           the network to prune
     * @param keepFirstGroup whether the group(s) of the first convolution stay whole
     */
    public FlopsBudget(ModelInfo info, boolean keepFirstGroup) {
        this(info, keepFirstGroup, ANY_COUNT);
    }

    /**
     * @param info            the network to prune
     * @param keepFirstGroup  whether the group(s) of the first convolution stay whole
     * @param channelMultiple kept channel counts are multiples of this (or the whole group); groups
     *                        of at most this many channels may keep any count. 1 allows any count;
     *                        8 or 16 match oneDNN's blocked memory formats (see {@code
     *                        ChannelPruning#SPEED_CHANNEL_MULTIPLE} for the measurement)
     * @throws IllegalArgumentException if {@code channelMultiple < 1}
     */
    public FlopsBudget(ModelInfo info, boolean keepFirstGroup, int channelMultiple) {
        if (channelMultiple < 1) {
            throw new IllegalArgumentException("channel multiple must be >= 1, but got " + channelMultiple
                    + "; 1 allows any channel count, 8 rounds kept counts to multiples of 8");
        }
        this.info = info;
        this.cost = ChannelCostModel.of(info);
        this.keepFirstGroup = keepFirstGroup;
        this.multiple = channelMultiple;
        this.firstGroups = firstProducerGroups(info);
        List<Integer> ids = new ArrayList<>();
        Map<Integer, long[]> counts = new LinkedHashMap<>();
        for (ChannelGroup g : info.groups()) {
            if (g.prunable() && !(keepFirstGroup && firstGroups.contains(g.id()))) {
                ids.add(g.id());
                counts.put(g.id(), allowedCounts(g.channels(), channelMultiple));
            }
        }
        this.free = List.copyOf(ids);
        this.allowed = Map.copyOf(counts);
    }

    /** The counts a group of {@code channels} may keep: the multiples of {@code m} below it and itself. */
    private static long[] allowedCounts(long channels, int m) {
        if (channels <= m) {
            return LongStream.rangeClosed(1, channels).toArray();
        }
        return LongStream.concat(LongStream.iterate(m, n -> n < channels, n -> n + m), LongStream.of(channels))
                .toArray();
    }

    /** The channel multiple kept counts are rounded to. */
    public int channelMultiple() {
        return multiple;
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

    /**
     * Why the network's structure leaves groups whole, one clause per such group naming its layers
     * and the vertex in the way; empty when only the task fixes groups (network input and output).
     */
    public String wholeGroups() {
        return info.groupsLeftWhole().stream()
                .map(g -> "layer(s) " + String.join(", ", g.producers())
                        + " left whole because " + g.block().describe())
                .collect(java.util.stream.Collectors.joining("; "));
    }

    /** The smallest MAC fraction reachable: the fewest allowed channels in every group this budget can cut. */
    public double minimumFraction() {
        return cost.macs(atMinimum()) / (double) cost.fullMacs();
    }

    /**
     * Channel counts per group from preserve ratios, meeting the budget (see the class comment).
     *
     * @param ratios         per group id, the preferred fraction of channels to keep, in (0, 1];
     *                       groups left out prefer 1; exactly 0 removes a {@link ModelInfo#removable}
     *                       group's residual branch (the group then keeps no channel, whatever the budget)
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
            if (removed(ratios, id)) {
                low[id] = 0;
                high[id] = 0;
            }
        }
        for (int id : free) {
            if (removed(ratios, id)) {
                continue;
            }
            long[] counts = allowed.get(id);
            int wanted = nearest(counts, ratios.getOrDefault(id, 1.0) * full[id]);
            int upper = largestWithin(low, id, counts, budget);
            int lower = smallestReaching(high, id, counts, budget);
            long n = counts[Math.min(Math.max(wanted, lower), upper)];
            low[id] = n;
            high[id] = n;
        }
        return allocation(low, targetFraction);
    }

    /**
     * Channel counts nearest the preserve ratios, without adjusting them to a budget: what the
     * caller compares with the budget itself (the latency allocation's grid of candidates).
     *
     * @param ratios         per group id, a fraction of channels to keep, in (0, 1]; groups this
     *                       budget cuts that are left out stay whole
     * @param targetFraction the MAC fraction recorded in the allocation
     * @throws IllegalArgumentException as {@link #allocate}
     */
    public ChannelAllocation rounded(Map<Integer, Double> ratios, double targetFraction) {
        checkRatios(ratios);
        return allocation(counts(ratios, 1.0), targetFraction);
    }

    /** The allocation of {@code counts} (per group id) over the prunable groups. */
    private ChannelAllocation allocation(long[] counts, double targetFraction) {
        Map<Integer, Integer> channels = new LinkedHashMap<>();
        for (ChannelGroup g : info.groups()) {
            if (g.prunable()) {
                channels.put(g.id(), (int) counts[g.id()]);
            }
        }
        return new ChannelAllocation(channels, cost.macs(counts), cost.fullMacs(), targetFraction);
    }

    /** One preserve ratio for every group this budget cuts, the largest whose rounded counts meet the target. */
    public Map<Integer, Double> uniformRatios(double targetFraction) {
        return fillRatios(Map.of(), targetFraction);
    }

    /**
     * Preserve ratios with the groups of {@code fixed} at their given ratio and every other group
     * this budget cuts at one common ratio, the largest whose rounded counts meet the target.
     *
     * @param fixed          per group id, a ratio in (0, 1]; groups this budget does not cut are ignored
     * @param targetFraction the fraction of the network's MACs to keep, in (0, 1]
     * @return the ratio of every group this budget cuts, in {@link #prunableGroups()} order
     * @throws IllegalArgumentException as {@link #allocate}, and when the fixed groups alone leave
     *         the target out of reach with every other group at its fewest channels
     */
    public Map<Integer, Double> fillRatios(Map<Integer, Double> fixed, double targetFraction) {
        checkRatios(fixed);
        long budget = budgetFor(targetFraction);
        if (cost.macs(counts(fixed, 0.0)) > budget) {
            throw new IllegalArgumentException("the groups fixed at " + fixed + " need more than " + targetFraction
                    + " of the MACs even with every other group at its fewest channels; fix fewer groups or lower "
                    + "their ratios");
        }
        double ratio = 1.0;
        if (cost.macs(counts(fixed, 1.0)) > budget) {
            double lo = 0.0;
            double hi = 1.0;
            for (int i = 0; i < 60; i++) {
                double mid = (lo + hi) / 2;
                if (cost.macs(counts(fixed, mid)) <= budget) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            ratio = Math.max(lo, Double.MIN_NORMAL);
        }
        Map<Integer, Double> ratios = new LinkedHashMap<>();
        for (int id : free) {
            ratios.put(id, fixed.getOrDefault(id, ratio));
        }
        return ratios;
    }

    /** Whether {@code ratios} removes group {@code id}: a ratio of exactly 0 (allowed only for removable groups). */
    private static boolean removed(Map<Integer, Double> ratios, int id) {
        Double r = ratios.get(id);
        return r != null && r == 0.0;
    }

    /** Allowed counts nearest the fixed ratios, and {@code ratio} for the other groups this budget cuts. */
    private long[] counts(Map<Integer, Double> fixed, double ratio) {
        long[] c = cost.fullChannels();
        for (int id : free) {
            long[] counts = allowed.get(id);
            c[id] = removed(fixed, id) ? 0 : counts[nearest(counts, fixed.getOrDefault(id, ratio) * c[id])];
        }
        return c;
    }

    private long[] atMinimum() {
        long[] c = cost.fullChannels();
        for (int id : free) {
            c[id] = allowed.get(id)[0];
        }
        return c;
    }

    /** Index in {@code counts} of the count nearest {@code wanted} (the larger one on a tie). */
    private static int nearest(long[] counts, double wanted) {
        int best = 0;
        for (int i = 1; i < counts.length; i++) {
            if (Math.abs(counts[i] - wanted) <= Math.abs(counts[best] - wanted)) {
                best = i;
            }
        }
        return best;
    }

    /** Index of the most channels of group {@code id} with {@code macs(others, n) <= budget}; 0 at least. */
    private int largestWithin(long[] others, int id, long[] counts, long budget) {
        return Math.max(0, firstWhere(others, id, counts, macs -> macs > budget) - 1);
    }

    /** Index of the fewest channels of group {@code id} with {@code macs(others, n) >= budget}; the last if none. */
    private int smallestReaching(long[] others, int id, long[] counts, long budget) {
        return Math.min(counts.length - 1, firstWhere(others, id, counts, macs -> macs >= budget));
    }

    /**
     * The smallest index {@code i} for which {@code test} holds on the MACs with group {@code id} at
     * {@code counts[i]} channels, or {@code counts.length}; MACs grow with the count, so a binary search.
     */
    private int firstWhere(long[] others, int id, long[] counts, LongPredicate test) {
        long[] c = others.clone();
        int lo = 0;
        int hi = counts.length;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            c[id] = counts[mid];
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
            throw new IllegalArgumentException(String.format("target MAC fraction %s cannot be met: with %s "
                    + "left in every prunable group the network still needs %.4f of its MACs (%d of %d; layers "
                    + "outside the prunable groups%s cost the rest). Fix: set the target to at least %.4f%s%s",
                    targetFraction, multiple == 1 ? "one channel" : "the smallest multiple of " + multiple,
                    minimumFraction(), minimum, cost.fullMacs(),
                    keepFirstGroup ? ", the first group kept whole," : "", Math.ceil(minimumFraction() * 1e4) / 1e4,
                    keepFirstGroup ? " or let the first group be pruned" : "",
                    multiple == 1 ? "" : " or lower the channel multiple")
                    + (wholeGroups().isEmpty() ? "" : ". Not prunable: " + wholeGroups()));
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
                throw new IllegalArgumentException("preserve ratio given for channel group " + id + " (" + g.name()
                        + "), which cannot be pruned: " + g.block().describe() + "; remove it");
            }
            Double r = e.getValue();
            if (r != null && r == 0.0 && !info.removable(id)) {
                throw new IllegalArgumentException("preserve ratio " + r + " given for channel group " + id + " (producers "
                        + g.producers() + "), which is not a residual branch of its own, so it cannot lose every "
                        + "channel; give a ratio in (0, 1]");
            }
            if (r == null || !(r >= 0 && r <= 1)) {
                throw new IllegalArgumentException("preserve ratio of channel group " + id + " (producers "
                        + g.producers() + ") must be in (0, 1] (or 0, removing a residual branch), but got " + r
                        + "; 1 keeps every channel");
            }
        }
    }

    /** The groups the first convolution's output holds (one, unless a concatenation splits it). */
    private static java.util.Set<Integer> firstProducerGroups(ModelInfo info) {
        for (LayerInfo l : info.layers()) {
            if (l.macs() > 0 && l.role() == ChannelRole.PRODUCER) {
                return info.groupsOf(l.name()).stream().map(ChannelGroup::id)
                        .collect(java.util.stream.Collectors.toUnmodifiableSet());
            }
        }
        return java.util.Set.of();
    }
}
