package org.pocketflow.worker.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Channels that must be pruned together: pruning channel {@code c} of the group removes, from
 * every vertex that carries it (see {@link ChannelLayout}), the output channels holding {@code c},
 * and from every consumer the matching input channels. A group may be part of a vertex's output:
 * a concatenation carries one group per branch, and a convolution added to a concatenation is
 * split into one group per branch range.
 *
 * @param id        stable index of the group in {@link ModelInfo#groups()}
 * @param name      unique name: the first producer whose output is exactly this group (a branch of a
 *                  concatenation, {@code b1}), else {@code producer/k} for the k-th such group of its
 *                  first producer (or member, for groups without producers)
 * @param channels  number of channels of the group
 * @param producers layers that create the channels (convolutions, dense layers); several when
 *                  element-wise additions tie their outputs
 * @param followers vertices that carry the channels on (batch norm, activation, pooling, depthwise
 *                  convolutions, element-wise additions, concatenations)
 * @param consumers layers that read the channels as input (their input dimension shrinks)
 * @param block     why the group cannot be pruned; {@code null} when it can
 */
public record ChannelGroup(int id, String name, long channels, List<String> producers, List<String> followers,
                           List<String> consumers, GroupBlock block) {
    public ChannelGroup {
        producers = List.copyOf(producers);
        followers = List.copyOf(followers);
        consumers = List.copyOf(consumers);
    }

    /** Whether the group may be pruned. */
    public boolean prunable() {
        return block == null;
    }

    /** Every vertex whose output channels hold the group. */
    public List<String> members() {
        List<String> all = new ArrayList<>(producers);
        all.addAll(followers);
        return all;
    }
}
