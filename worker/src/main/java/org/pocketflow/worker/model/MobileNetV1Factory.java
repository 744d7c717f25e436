package org.pocketflow.worker.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.pocketflow.worker.data.ImageShape;

/**
 * MobileNet-v1 of Howard et al. 2017 (table 1) at ImageNet widths: a 3x3/2 stem of 32 channels,
 * thirteen depthwise-separable blocks (3x3 depthwise conv + BN + ReLU, then 1x1 pointwise conv +
 * BN + ReLU) with 64, 128, 128, 256, 256, 512 (six times) and 1024, 1024 channels, global average
 * pooling and a softmax classifier. The width multiplier {@code alpha} (section 3.3) scales every
 * width. Images with a side under {@value ConvBlocks#IMAGENET_STEM_MIN_SIDE} get a stem of stride
 * 1 (total stride 16 instead of 32). Each depthwise conv ties its channels to the pointwise conv
 * before it, which is what makes depthwise networks harder to prune.
 */
public final class MobileNetV1Factory implements ModelFactory {
    private static final int STEM_CHANNELS = 32;
    private static final int[] CHANNELS = {64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
    private static final int[] STRIDES = {1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1};

    private final double alpha;
    private final String name;

    /**
     * @param alpha width multiplier in (0, 1]; a width {@code c} becomes {@code max(8, floor(alpha * c))}
     * @param name  the configuration name of this width
     */
    MobileNetV1Factory(double alpha, String name) {
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("MobileNet-v1 width multiplier must be in (0, 1], but got " + alpha);
        }
        this.alpha = alpha;
        this.name = name;
    }

    /** Full width ({@code alpha = 1}), {@code mobilenet-v1}. */
    public MobileNetV1Factory() {
        this(1.0, "mobilenet-v1");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ComputationGraph create(ImageShape shape, int classes, long seed) {
        GraphBuilder g = ConvBlocks.start(seed);
        int stemStride = ConvBlocks.imageNetStem(shape) ? 2 : 1;
        String x = ConvBlocks.convBn(g, "stem", INPUT, width(STEM_CHANNELS), 3, stemStride, true);
        for (int i = 0; i < CHANNELS.length; i++) {
            String block = "b" + (i + 1);
            g.addLayer(block + "_dw", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(1)
                    .stride(STRIDES[i], STRIDES[i]).hasBias(false).activation(Activation.IDENTITY).build(), x);
            String dw = ConvBlocks.bnRelu(g, block + "_dw", block + "_dw", true);
            x = ConvBlocks.convBn(g, block + "_pw", dw, width(CHANNELS[i]), 1, 1, true);
        }
        return ConvBlocks.headAndBuild(g, x, shape, classes);
    }

    private int width(int channels) {
        return Math.max(8, (int) (alpha * channels));
    }
}
