package org.pocketflow.worker.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.ImageShape;

/**
 * ResNet-18 of He et al. 2016 (table 1): the stem of {@link ConvBlocks#resNetStem}, four stages of
 * two basic blocks with 64, 128, 256 and 512 channels (stages two to four halve the resolution),
 * global average pooling and a softmax classifier. Shortcuts that change the shape are 1x1
 * projections (option B), so each stage is one channel dependency group. Any input size works:
 * images with a side under {@value ConvBlocks#IMAGENET_STEM_MIN_SIDE} get the CIFAR-style 3x3/1
 * stem without max-pooling.
 */
public final class ResNet18Factory implements ModelFactory {
    private static final int[] STAGE_CHANNELS = {64, 128, 256, 512};
    private static final int BLOCKS_PER_STAGE = 2;

    @Override
    public String name() {
        return "resnet18";
    }

    @Override
    public ComputationGraph create(ImageShape shape, int classes, long seed) {
        GraphBuilder g = ConvBlocks.start(seed);
        String x = ConvBlocks.resNetStem(g, shape, STAGE_CHANNELS[0]);
        x = ConvBlocks.basicStages(g, x, STAGE_CHANNELS, BLOCKS_PER_STAGE);
        return ConvBlocks.headAndBuild(g, x, shape, classes);
    }
}
