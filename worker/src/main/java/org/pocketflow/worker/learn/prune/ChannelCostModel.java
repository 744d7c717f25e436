package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ChannelLayout;
import org.pocketflow.worker.model.ChannelRole;
import org.pocketflow.worker.model.LayerInfo;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Multiply-adds of a network as a function of the channels kept per group, without building
 * the pruned network. A vertex's channel count is {@code sum_g u_g * n_g / C_g} over the groups
 * its {@link ChannelLayout} holds ({@code u_g} output channels carry group {@code g}, which keeps
 * {@code n_g} of its {@code C_g} channels): a concatenation adds its branches' counts. A
 * convolution or dense layer costs {@code M * (c_out / C_out) * (c_in / C_in)} (its MACs are linear
 * in its output and in its input channels), a depthwise convolution {@code M * c / C}; every other
 * layer costs nothing, as in {@link ModelInfo}. A group kept at zero channels removes its residual
 * branch ({@link ModelInfo#branch}), and every layer of the branch costs nothing. The result equals {@code
 * ModelInfo.of(pruned).totalMacs()} of the network {@link ChannelSurgery} builds.
 *
 * <p>Immutable and thread-safe.
 */
public final class ChannelCostModel {
    private final long[] groupChannels;
    private final List<Term> terms;

    /**
     * One layer: {@code macs} at full width, its output and (for producers) input channels as group
     * sums, and the removable groups whose removal deletes it (its MACs are 0 when one keeps no channel).
     */
    private record Term(long macs, Channels out, Channels in, int[] removedBy) {
        boolean removed(long[] kept) {
            for (int g : removedBy) {
                if (kept[g] == 0) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A channel count {@code sum_g uses[g] * n_g / C_g}, with {@code full} the sum at full width. */
    private record Channels(int[] groups, long[] uses, long full) {
        static final Channels ONE = new Channels(new int[0], new long[0], 1);

        static Channels of(ChannelLayout layout) {
            Map<Integer, Integer> counts = layout.positionCounts();
            return new Channels(counts.keySet().stream().mapToInt(Integer::intValue).toArray(),
                    counts.values().stream().mapToLong(Integer::longValue).toArray(), layout.channels());
        }

        long count(long[] kept, long[] channels) {
            if (groups.length == 0) {
                return full;
            }
            long c = 0;
            for (int i = 0; i < groups.length; i++) {
                c += uses[i] * kept[groups[i]] / channels[groups[i]];
            }
            return c;
        }
    }

    private ChannelCostModel(long[] groupChannels, List<Term> terms) {
        this.groupChannels = groupChannels;
        this.terms = List.copyOf(terms);
    }

    /** The cost model of the network {@code info} describes. */
    public static ChannelCostModel of(ModelInfo info) {
        long[] channels = info.groups().stream().mapToLong(ChannelGroup::channels).toArray();
        List<Term> terms = new ArrayList<>();
        for (LayerInfo l : info.layers()) {
            if (l.macs() == 0) {
                continue;
            }
            Channels out = Channels.of(info.layout(l.name()));
            Channels in = Channels.ONE;
            String read = info.consumedInput(l.name());
            if (l.role() == ChannelRole.PRODUCER && read != null) {
                in = Channels.of(info.layout(read));
            }
            terms.add(new Term(l.macs(), out, in, info.groups().stream()
                    .filter(g -> info.removable(g.id()) && info.branch(g.id()).contains(l.name()))
                    .mapToInt(ChannelGroup::id).toArray()));
        }
        return new ChannelCostModel(channels, terms);
    }

    /** Channels of every group of the unpruned network, indexed by group id. */
    public long[] fullChannels() {
        return groupChannels.clone();
    }

    /** MACs of the unpruned network. */
    public long fullMacs() {
        return macs(groupChannels);
    }

    /** MACs with {@code channels[g]} channels kept in group {@code g} (indexed by group id). */
    public long macs(long[] channels) {
        if (channels.length != groupChannels.length) {
            throw new IllegalArgumentException("expected channel counts for " + groupChannels.length
                    + " groups, but got " + channels.length + ": " + Arrays.toString(channels));
        }
        long total = 0;
        for (Term t : terms) {
            if (t.removed(channels)) {
                continue;
            }
            total += scaled(t.macs, t.out.count(channels, groupChannels), t.out.full,
                    t.in.count(channels, groupChannels), t.in.full);
        }
        return total;
    }
    /** MACs with the groups in {@code counts} cut to those channel counts and every other group whole. */
    public long macs(Map<Integer, Integer> counts) {
        long[] c = fullChannels();
        counts.forEach((g, n) -> c[g] = n);
        return macs(c);
    }

    private static long scaled(long macs, long cOut, long fullOut, long cIn, long fullIn) {
        long denominator = fullOut * fullIn;
        if (macs % denominator == 0) {
            return macs / denominator * cOut * cIn;
        }
        return Math.round((double) macs * cOut * cIn / denominator);
    }
}
