package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/** What every {@link ChannelSelector} must do; each implementation's test extends this class. */
abstract class ChannelSelectorContract {
    /** A fresh selector under test. */
    abstract ChannelSelector selector();

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void returnsTheRequestedNumberOfIncreasingIndicesInRange(Architecture arch) {
        ComputationGraph g = Networks.create(arch, 21);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        for (ChannelGroup group : info.groups()) {
            if (!group.prunable()) {
                continue;
            }
            for (int count : new int[]{1, (int) Math.max(1, group.channels() / 2), (int) group.channels()}) {
                int[] kept = selector().select(g, info, group, count);
                assertEquals(count, kept.length, "group " + group.id());
                for (int i = 0; i < kept.length; i++) {
                    assertTrue(kept[i] >= 0 && kept[i] < group.channels(), "index " + kept[i] + " of group " + group.id());
                    assertTrue(i == 0 || kept[i] > kept[i - 1], "not increasing in group " + group.id());
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void isDeterministicAndLeavesTheNetworkUnchanged(Architecture arch) {
        ComputationGraph g = Networks.create(arch, 22);
        INDArray params = g.params().dup();
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        for (ChannelGroup group : info.groups()) {
            if (group.prunable()) {
                int count = (int) Math.max(1, group.channels() / 3);
                assertArrayEquals(selector().select(g, info, group, count), selector().select(g, info, group, count));
            }
        }
        assertEquals(params, g.params());
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void rejectsCountsOutsideOneToTheGroupSize(Architecture arch) {
        ComputationGraph g = Networks.create(arch, 23);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        ChannelGroup group = info.groups().get(0);
        for (int bad : new int[]{0, (int) group.channels() + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> selector().select(g, info, group, bad));
            assertTrue(e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(UserNetworks.Kind.class)
    void channelsItSelectsInAConcatNetworkArePrunedExactly(UserNetworks.Kind kind) {
        ComputationGraph g = UserNetworks.create(kind, 24);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        java.util.Map<Integer, int[]> keep = new java.util.TreeMap<>();
        for (ChannelGroup group : info.groups()) {
            if (group.prunable()) {
                keep.put(group.id(), selector().select(g, info, group, (int) Math.max(1, group.channels() / 2)));
            }
        }
        assertTrue(keep.containsKey(info.group("b1").id()) && keep.containsKey(info.group("b2").id()));
        ChannelSurgeryTest.assertPrunedEqualsZeroed(g, info, keep);
    }

    @ParameterizedTest
    @EnumSource(UserNetworks.Kind.class)
    void prunesAConcatNetworkToHalfItsMacs(UserNetworks.Kind kind) {
        ComputationGraph g = UserNetworks.create(kind, 25);
        PrunedNetwork p = new ChannelPruning(selector(), false).pruneUniform(g, Networks.MNIST, 0.5);
        assertTrue(p.report().macFraction() <= 0.5 && p.report().macFraction() > 0.45,
                "MAC fraction " + p.report().macFraction());
        assertTrue(p.report().notes().isEmpty(), p.report().notes().toString());
        INDArray out = p.graph().outputSingle(false, Networks.input(4, 26));
        assertTrue(out.sum(1).sub(1).amaxNumber().doubleValue() < 1e-4, "softmax rows sum to 1: " + out);
    }
}
