package org.pocketflow.worker.learn.prune;

/**
 * What {@link ChannelSurgery} removes from one layer.
 *
 * @param out     kept output channels (producers) or carried channels (batch norm, depthwise
 *                convolution), sorted; {@code null} when they stay whole
 * @param in      kept input channels of a consumer, sorted; {@code null} when they stay whole
 * @param spatial positions per input channel (H*W) when a dense layer reads a flattened
 *                feature map (NCHW: input index {@code c*H*W + h*W + w}); 1 otherwise
 */
record LayerCut(int[] out, int[] in, int spatial) {
    /** Rows of a dense layer's weight matrix that belong to the kept input channels. */
    int[] inputRows() {
        int[] rows = new int[in.length * spatial];
        int k = 0;
        for (int c : in) {
            for (int p = 0; p < spatial; p++) {
                rows[k++] = c * spatial + p;
            }
        }
        return rows;
    }
}
