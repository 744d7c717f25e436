package org.pocketflow.worker.learn.prune;

import java.util.Map;
import java.util.TreeMap;

/**
 * Channels to keep per group, as {@link FlopsBudget#allocate} decided them.
 *
 * @param channels       per prunable group id (the first group included, whole, when it is kept),
 *                       the number of channels to keep
 * @param macs           multiply-adds of the network with these channels
 * @param fullMacs       multiply-adds of the unpruned network
 * @param targetFraction the MAC fraction asked for; {@code macs <= targetFraction * fullMacs}
 */
public record ChannelAllocation(Map<Integer, Integer> channels, long macs, long fullMacs, double targetFraction) {
    public ChannelAllocation {
        channels = java.util.Collections.unmodifiableMap(new TreeMap<>(channels));
    }

    /** {@code macs / fullMacs}. */
    public double macFraction() {
        return fullMacs == 0 ? 1.0 : macs / (double) fullMacs;
    }

    /** Channels kept in group {@code id}. */
    public int channelsOf(int id) {
        Integer n = channels.get(id);
        if (n == null) {
            throw new IllegalArgumentException("group " + id + " is not in this allocation; its groups are "
                    + channels.keySet());
        }
        return n;
    }
}
