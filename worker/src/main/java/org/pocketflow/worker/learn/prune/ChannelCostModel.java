package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.LayerInfo;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Multiply-adds of a network as a function of the channels kept per group, without building
 * the pruned network. A convolution or dense layer costs {@code M * (c_out / C_out) * (c_in / C_in)}
 * (its MACs are linear in its output and in its input channels), a depthwise convolution
 * {@code M * c / C}; every other layer costs nothing, as in {@link ModelInfo}. The result equals
 * {@code ModelInfo.of(pruned).totalMacs()} of the network {@link ChannelSurgery} builds.
 *
 * <p>Immutable and thread-safe.
 */
public final class ChannelCostModel {
    private final long[] groupChannels;
    private final List<Term> terms;

    private record Term(long macs, int outGroup, int inGroup) {
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
            ChannelGroup out = info.groupOf(l.name());
            int inGroup = -1;
            if (out.producers().contains(l.name())) {
                for (String in : l.inputs()) {
                    if (info.layers().stream().anyMatch(x -> x.name().equals(in))) {
                        inGroup = info.groupOf(in).id();
                    }
                }
            }
            terms.add(new Term(l.macs(), out.id(), inGroup));
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
            total += scaled(t.macs, channels[t.outGroup], groupChannels[t.outGroup], t.inGroup < 0 ? 1 : channels[t.inGroup],
                    t.inGroup < 0 ? 1 : groupChannels[t.inGroup]);
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
