package org.pocketflow.worker.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.ImageShape;


/**
 * ResNet-20 in the CIFAR form of He et al. 2016 (section 4.2): a 3x3 stem of 16 channels, three
 * stages of three basic blocks with 16, 32 and 64 channels (the second and third stage halve the
 * resolution), global average pooling and a softmax classifier. Blocks that change the shape use
 * a 1x1 projection shortcut (option B) so every stage is a channel dependency group.
 */
public final class ResNet20Factory implements ModelFactory {
    private static final int[] STAGE_CHANNELS = {16, 32, 64};
    private static final int BLOCKS_PER_STAGE = 3;

    @Override
    public String name() {
        return "resnet20";
    }

    @Override
    public ComputationGraph create(ImageShape shape, int classes, long seed) {
        GraphBuilder g = ConvBlocks.start(seed);
        String x = ConvBlocks.convBn(g, "stem", INPUT, STAGE_CHANNELS[0], 3, 1, true);
        x = ConvBlocks.basicStages(g, x, STAGE_CHANNELS, BLOCKS_PER_STAGE);
        return ConvBlocks.headAndBuild(g, x, shape, classes);
    }
}
