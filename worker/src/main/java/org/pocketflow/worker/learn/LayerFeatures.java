package org.pocketflow.worker.learn;

import org.pocketflow.worker.model.LayerInfo;
import org.pocketflow.worker.model.ModelInfo;

/**
 * The state vector describing one layer to a sequential sampler, after AMC's layer embedding
 * (He et al. 2018, section 3.2: index, channels, feature-map size, FLOPs): position in the
 * network, output channels, output positions (log-scaled), and the layer's share of the
 * network's MACs and parameters. Every entry is roughly in [0, 1].
 */
public final class LayerFeatures {
    /** The column holding the layer's share of the network's MACs. */
    public static final int MAC_SHARE = 3;

    private LayerFeatures() {
    }

    /** The features of {@code layer}, the {@code index}-th of {@code count} knobs. */
    public static double[] of(ModelInfo info, String layer, int index, int count) {
        LayerInfo l = info.layer(layer);
        long[] s = l.outputShape();
        long positions = s.length >= 3 ? s[1] * s[2] : 1;
        return new double[]{
                count <= 1 ? 0 : index / (double) (count - 1),
                Math.log1p(l.channels()) / Math.log(1 << 12),
                Math.log1p(positions) / Math.log(1 << 16),
                info.totalMacs() == 0 ? 0 : l.macs() / (double) info.totalMacs(),
                info.totalParameters() == 0 ? 0 : l.parameters() / (double) info.totalParameters()
        };
    }
}
