package org.pocketflow.worker.model;

import java.util.List;

/**
 * Cost of one vertex of a network.
 *
 * @param name        vertex name in the graph
 * @param kind        layer class, e.g. {@code ConvolutionLayer}, {@code ElementWiseVertex}
 * @param role        what it does to channels (as channel pruning traced it: {@code UNKNOWN} also
 *                    where a vertex's shapes did not fit its declared role)
 * @param inputs      names of the vertices feeding this one
 * @param outputShape output shape without the batch dimension ({@code [C, H, W]} or {@code [N]})
 * @param parameters  trainable and statistics parameters (as DL4J counts them)
 * @param macs        multiply-accumulate operations for one input image (convolutions and dense
 *                    layers; batch norm is counted as 0 because deployment folds it into the conv)
 * @param bytes       fp32 bytes of the parameters
 */
public record LayerInfo(String name, String kind, ChannelRole role, List<String> inputs, long[] outputShape,
                        long parameters, long macs, long bytes) {
    public LayerInfo {
        inputs = List.copyOf(inputs);
        outputShape = outputShape.clone();
    }

    /** Channels of the output (the first dimension of {@link #outputShape()}). */
    public long channels() {
        return outputShape.length == 0 ? 0 : outputShape[0];
    }

    @Override
    public long[] outputShape() {
        return outputShape.clone();
    }
}
