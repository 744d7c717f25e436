package org.pocketflow.worker.model;

import org.pocketflow.worker.data.ImageShape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

class ModelInfoTest {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    @Test
    void lenetParametersAndMacsMatchHandComputedValues() {
        ComputationGraph g = Architecture.LENET.factory().create(MNIST, 10, 1);
        ModelInfo info = ModelInfo.of(g, MNIST);
        // conv1: 5*5*1*20 + 20; conv2: 5*5*20*50 + 50; fc1: 4*4*50*500 + 500; output: 500*10 + 10
        assertEquals(520, info.layer("conv1").parameters());
        assertEquals(25_050, info.layer("conv2").parameters());
        assertEquals(400_500, info.layer("fc1").parameters());
        assertEquals(5_010, info.layer("output").parameters());
        assertEquals(431_080, info.totalParameters());
        assertEquals(g.numParams(), info.totalParameters());
        // conv1: 24*24 outputs * 20 channels * 25; conv2: 8*8*50 * (25*20); fc1: 800*500; output: 500*10
        assertEquals(288_000, info.layer("conv1").macs());
        assertEquals(1_600_000, info.layer("conv2").macs());
        assertEquals(400_000, info.layer("fc1").macs());
        assertEquals(5_000, info.layer("output").macs());
        assertEquals(2_293_000, info.totalMacs());
        assertEquals(431_080L * 4, info.totalBytes());
        assertEquals(List.of(20L, 24L, 24L), toList(info.layer("conv1").outputShape()));
        assertEquals(List.of(50L, 4L, 4L), toList(info.layer("pool2").outputShape()));
    }

    @Test
    void lenetGroupsFollowPoolingAndFixTheOutput() {
        ModelInfo info = ModelInfo.of(Architecture.LENET.factory().create(MNIST, 10, 1), MNIST);
        ChannelGroup conv2 = info.groupOf("conv2");
        assertEquals(List.of("conv2"), conv2.producers());
        assertEquals(List.of("pool2"), conv2.followers());
        assertEquals(List.of("fc1"), conv2.consumers());
        assertEquals(50, conv2.channels());
        assertTrue(conv2.prunable());
        assertFalse(info.groupOf("output").prunable());
        assertEquals(4, info.groups().size());
    }

    @Test
    void resnetResidualAddsTieEachStageIntoOneGroup() {
        ModelInfo info = ModelInfo.of(Architecture.RESNET20.factory().create(MNIST, 10, 1), MNIST);
        ChannelGroup stage1 = info.groupOf("stem_conv");
        assertEquals(Set.of("stem_conv", "s1b1_b_conv", "s1b2_b_conv", "s1b3_b_conv"), Set.copyOf(stage1.producers()));
        ChannelGroup stage2 = info.groupOf("s2b1_proj_conv");
        assertEquals(Set.of("s2b1_proj_conv", "s2b1_b_conv", "s2b2_b_conv", "s2b3_b_conv"),
                Set.copyOf(stage2.producers()));
        assertEquals(32, stage2.channels());
        // the first conv of every block is free
        for (String s : List.of("s1b1", "s2b2", "s3b3")) {
            assertEquals(List.of(s + "_a_conv"), info.groupOf(s + "_a_conv").producers());
        }
        // stage 3 feeds the classifier through global pooling
        assertTrue(info.groupOf("s3b3_b_conv").consumers().contains("output"));
        // 3 stage groups + 9 block-internal groups + output
        assertEquals(13, info.groups().size());
        assertEquals(info.totalParameters(), Architecture.RESNET20.factory().create(MNIST, 10, 1).numParams());
    }

    @Test
    void mobilenetDepthwiseConvJoinsItsProducersGroup() {
        ModelInfo info = ModelInfo.of(Architecture.MOBILENET.factory().create(MNIST, 10, 1), MNIST);
        ChannelGroup g = info.groupOf("b2_dw");
        assertEquals(List.of("b1_pw_conv"), g.producers());
        assertTrue(g.followers().containsAll(List.of("b2_dw", "b2_dw_bn", "b2_dw_relu")));
        assertEquals(List.of("b2_pw_conv"), g.consumers());
        // depthwise 3x3 on 64 channels at stride 2 from 28x28 to 14x14: 14*14*64*9
        assertEquals(14 * 14 * 64 * 9, info.layer("b2_dw").macs());
        Set<String> producers = info.groups().stream().flatMap(x -> x.producers().stream()).collect(Collectors.toSet());
        assertFalse(producers.contains("b2_dw"));
    }

    private static List<Long> toList(long[] a) {
        return java.util.Arrays.stream(a).boxed().toList();
    }
    /**
     * A bottleneck block has two inner groups; removing either removes the whole branch (the
     * convolutions after a removed group lose every input, those before it feed nothing else), up to
     * the addition, which keeps the shortcut. The mobile network without residual additions has nothing to remove.
     */
    @Test
    void bottleneckBranchesAreRemovableThroughEitherInnerGroup() {
        ModelInfo info = ModelInfo.of(Architecture.RESNET50.factory().create(MNIST, 10, 1), MNIST);
        int a = info.groupOf("s2b2_a_conv").id();
        int b = info.groupOf("s2b2_b_conv").id();
        List<String> branch = List.of("s2b2_a_conv", "s2b2_a_bn", "s2b2_a_relu", "s2b2_b_conv", "s2b2_b_bn",
                "s2b2_b_relu", "s2b2_c_conv", "s2b2_c_bn");
        assertEquals(branch, info.branch(a));
        assertEquals(branch, info.branch(b), "the first convolution only fed the branch: it goes too");
        assertFalse(info.removable(info.groupOf("s2b2_c_conv").id()), "the stage's residual group stays");
        assertEquals(2L * 16, info.groups().stream().filter(g -> info.removable(g.id())).count(),
                "two inner groups in each of the 16 blocks");
        ModelInfo mobile = ModelInfo.of(Architecture.MOBILENET.factory().create(MNIST, 10, 1), MNIST);
        assertTrue(mobile.groups().stream().noneMatch(g -> mobile.removable(g.id())));
    }
}
