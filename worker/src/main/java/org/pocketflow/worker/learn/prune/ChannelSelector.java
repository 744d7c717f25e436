package org.pocketflow.worker.learn.prune;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Decides which channels of a group to keep once the budget has fixed how many: the
 * extension point for channel-selection criteria. {@link L1ChannelSelector} ranks by filter
 * norm (Li et al. 2017); data-driven criteria such as LASSO regression on a consumer's inputs
 * (He, Zhang and Sun 2017, "Channel Pruning for Accelerating Very Deep Neural Networks") or
 * discrimination-aware selection (Zhuang et al. 2018, DCP) receive their calibration batches
 * through their constructor and implement the same method.
 *
 * <p>Call order: once per prunable group, in {@link ModelInfo#groups()} order, on the unpruned
 * network; {@link ChannelSurgery} then removes the channels of all groups at once, and {@link
 * #reconstruction()} is applied to the result (see {@link ConsumerReconstruction}).
 * Implementations must not modify {@code graph} and must be deterministic for a given graph
 * (and, for data-driven selectors, the same calibration data and seed).
 */
public interface ChannelSelector {
    /**
     * The channels of {@code group} to keep.
     *
     * @param graph the network being pruned; read only
     * @param info  {@code ModelInfo} of {@code graph}
     * @param group a prunable group of {@code info}
     * @param count how many channels to keep, in {@code [1, group.channels()]}
     * @return {@code count} strictly increasing channel indices in {@code [0, group.channels())}
     */
    int[] select(ComputationGraph graph, ModelInfo info, ChannelGroup group, int count);

    /** Short name for reports and configuration, e.g. {@code l1}. */
    String name();

    /**
     * What {@link ChannelPruning} applies to the pruned network after surgery: {@link
     * ConsumerReconstruction#none()} (the default) for criteria that only select, least squares on
     * calibration data for {@link LassoChannelSelector}.
     */
    default ConsumerReconstruction reconstruction() {
        return ConsumerReconstruction.none();
    }
}
