package org.pocketflow.worker.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.ImageShape;

/**
 * ResNet-50 of He et al. 2016 (table 1): the stem of {@link ConvBlocks#resNetStem}, four stages of
 * 3, 4, 6 and 3 bottleneck blocks (1x1 reduce, 3x3, 1x1 expand to four times the width; widths 64,
 * 128, 256, 512), global average pooling and a softmax classifier. A stage's first block strides
 * in its 3x3 convolution (the form most published figures use) and projects its shortcut with a
 * 1x1 convolution (option B), so each stage's output is one channel dependency group and each
 * block's two inner widths are groups of their own.
 */
public final class ResNet50Factory implements ModelFactory {
    private static final int[] STAGE_WIDTHS = {64, 128, 256, 512};
    private static final int[] BLOCKS = {3, 4, 6, 3};
    private static final int EXPANSION = 4;

    @Override
    public String name() {
        return "resnet50";
    }

    @Override
    public ComputationGraph create(ImageShape shape, int classes, long seed) {
        GraphBuilder g = ConvBlocks.start(seed);
        String x = ConvBlocks.resNetStem(g, shape, STAGE_WIDTHS[0]);
        int inChannels = STAGE_WIDTHS[0];
        for (int s = 0; s < STAGE_WIDTHS.length; s++) {
            for (int b = 0; b < BLOCKS[s]; b++) {
                int stride = (s > 0 && b == 0) ? 2 : 1;
                x = bottleneck(g, "s" + (s + 1) + "b" + (b + 1), x, inChannels, STAGE_WIDTHS[s], stride);
                inChannels = STAGE_WIDTHS[s] * EXPANSION;
            }
        }
        return ConvBlocks.headAndBuild(g, x, shape, classes);
    }

    private static String bottleneck(GraphBuilder g, String name, String in, int cin, int width, int stride) {
        String a = ConvBlocks.convBn(g, name + "_a", in, width, 1, 1, true);
        String b = ConvBlocks.convBn(g, name + "_b", a, width, 3, stride, true);
        String c = ConvBlocks.convBn(g, name + "_c", b, width * EXPANSION, 1, 1, false);
        return ConvBlocks.residual(g, name, in, c, cin, width * EXPANSION, stride);
    }
}
