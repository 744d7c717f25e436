package org.pocketflow.worker.learn.prune;

import java.util.List;

/**
 * What pruning kept of one channel group.
 *
 * @param id        the group's id in the unpruned network's {@code ModelInfo}
 * @param producers the layers creating the group's channels
 * @param channels  channels before pruning
 * @param kept      the indices (in the unpruned network) of the channels kept, increasing
 */
public record PrunedGroup(int id, List<String> producers, long channels, List<Integer> kept) {
    public PrunedGroup {
        producers = List.copyOf(producers);
        kept = List.copyOf(kept);
    }

    /** {@code kept.size() / channels}. */
    public double keptFraction() {
        return kept.size() / (double) channels;
    }
}
