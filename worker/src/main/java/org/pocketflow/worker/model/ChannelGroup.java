package org.pocketflow.worker.model;

import java.util.List;

/**
 * Layers whose output channels must stay identical when channels are pruned: pruning channel
 * {@code c} of the group removes output channel {@code c} of every producer and follower and
 * input channel {@code c} of every consumer.
 *
 * @param id        stable index of the group in {@link ModelInfo#groups()}
 * @param channels  number of channels shared by the group
 * @param producers layers that create the channels (convolutions, dense layers); several when
 *                  residual additions merge their outputs
 * @param followers layers that carry the same channels through (batch norm, activation,
 *                  pooling, depthwise convolutions, element-wise additions)
 * @param consumers layers that read the channels as input (their input dimension shrinks)
 * @param prunable  false for groups that are fixed by the task: the network output (classes)
 */
public record ChannelGroup(int id, long channels, List<String> producers, List<String> followers,
                           List<String> consumers, boolean prunable) {
    public ChannelGroup {
        producers = List.copyOf(producers);
        followers = List.copyOf(followers);
        consumers = List.copyOf(consumers);
    }

    /** Every layer whose output channels belong to the group. */
    public List<String> members() {
        var all = new java.util.ArrayList<String>(producers);
        all.addAll(followers);
        return all;
    }
}
