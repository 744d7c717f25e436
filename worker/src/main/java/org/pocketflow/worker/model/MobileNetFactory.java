package org.pocketflow.worker.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.pocketflow.worker.data.ImageShape;


/**
 * A MobileNet-v1-style network (Howard et al. 2017) sized for 28x28 input: a 3x3 stem of 32
 * channels, five depthwise-separable blocks (3x3 depthwise conv + BN + ReLU, then 1x1 pointwise
 * conv + BN + ReLU) with 64, 128, 128, 256, 256 channels, strides 1, 2, 1, 2, 1, global average
 * pooling and a softmax classifier. Each depthwise conv ties its channels to the pointwise conv
 * before it, which is what makes depthwise networks harder to prune.
 */
public final class MobileNetFactory implements ModelFactory {
    private static final int[] CHANNELS = {64, 128, 128, 256, 256};
    private static final int[] STRIDES = {1, 2, 1, 2, 1};
    private static final int STEM_CHANNELS = 32;

    @Override
    public String name() {
        return "mobilenet";
    }

    @Override
    public ComputationGraph create(ImageShape shape, int classes, long seed) {
        GraphBuilder g = ConvBlocks.start(seed);
        String x = ConvBlocks.convBn(g, "stem", INPUT, STEM_CHANNELS, 3, 1, true);
        for (int i = 0; i < CHANNELS.length; i++) {
            String name = "b" + (i + 1);
            g.addLayer(name + "_dw", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(1)
                    .stride(STRIDES[i], STRIDES[i]).hasBias(false).activation(Activation.IDENTITY).build(), x);
            String dw = ConvBlocks.bnRelu(g, name + "_dw", name + "_dw", true);
            x = ConvBlocks.convBn(g, name + "_pw", dw, CHANNELS[i], 1, 1, true);
        }
        return ConvBlocks.headAndBuild(g, x, shape, classes);
    }
}
