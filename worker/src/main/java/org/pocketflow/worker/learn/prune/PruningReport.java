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
 * @param notes          one line per group the network's structure left whole (a vertex channel
 *                       surgery cannot follow), naming the vertex
 */
public record PruningReport(String selector, double targetFraction, List<PrunedGroup> groups,
                            ModelCost before, ModelCost after, List<String> notes) {
    public PruningReport {
        groups = List.copyOf(groups);
        notes = List.copyOf(notes);
    }

    /** The report lines for the groups of {@code info} that its structure leaves whole. */
    public static List<String> wholeGroupNotes(org.pocketflow.worker.model.ModelInfo info) {
        return info.groupsLeftWhole().stream()
                .map(g -> "channel group " + g.name() + " (producers " + g.producers() + ", " + g.channels()
                        + " channels) left whole: " + g.block().describe())
                .toList();
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
