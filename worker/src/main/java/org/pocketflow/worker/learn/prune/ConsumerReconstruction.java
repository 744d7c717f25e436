package org.pocketflow.worker.learn.prune;

import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Adjusts the weights of the consumer layers of pruned groups after {@link ChannelSurgery}, so
 * that the smaller network's layer outputs approximate the original's: the second step of He,
 * Zhang and Sun 2017 (least-squares reconstruction, equation 4), which a {@link ChannelSelector}
 * cannot do because it only returns indices.
 *
 * <p>Call order: {@link ChannelPruning} asks its selector for {@link ChannelSelector#reconstruction()},
 * runs {@code select} for every group on the unpruned network, builds the pruned network with
 * {@link ChannelSurgery}, then calls {@link #reconstruct} once with both networks. The pruned network
 * is new and owned by the caller of {@code reconstruct}, which changes its parameters in place; the
 * original must be left unchanged. The architecture (and so the MAC count) never changes.
 */
@FunctionalInterface
public interface ConsumerReconstruction {
    /**
     * Changes the consumer weights of {@code pruned} in place.
     *
     * @param original the unpruned network; read only
     * @param info     {@code ModelInfo} of {@code original}
     * @param pruned   the network {@link ChannelSurgery#prune} built from {@code original} and {@code keep}
     * @param keep     per pruned group id of {@code info}, the kept channel indices
     */
    void reconstruct(ComputationGraph original, ModelInfo info, ComputationGraph pruned, Map<Integer, int[]> keep);

    /** The reconstruction that changes nothing: the pruned network keeps the sliced original weights. */
    static ConsumerReconstruction none() {
        return (original, info, pruned, keep) -> { };
    }
}
