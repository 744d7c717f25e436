package org.pocketflow.worker.learn.prune;

import java.util.List;

import org.pocketflow.worker.learn.ModelCost;

/**
 * The record of one channel-pruning run.
 *
 * @param selector       name of the {@link ChannelSelector} that chose the channels
 * @param targetFraction the MAC fraction asked for
 * @param groups         every prunable group of the unpruned network, in order, with its kept channels
 * @param before         cost of the unpruned network
 * @param after          cost of the pruned network
 */
public record PruningReport(String selector, double targetFraction, List<PrunedGroup> groups,
                            ModelCost before, ModelCost after) {
    public PruningReport {
        groups = List.copyOf(groups);
    }

    /** {@code after.macs / before.macs}. */
    public double macFraction() {
        return after.macFractionOf(before);
    }

    /** {@code after.parameters / before.parameters}. */
    public double parameterFraction() {
        return after.parameterFractionOf(before);
    }
}
