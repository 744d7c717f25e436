package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

class ChannelSurgeryTest {
    private static final double TOLERANCE = 1e-5;

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void keepingEveryChannelReproducesTheOutputs(Architecture arch) {
        ComputationGraph g = Networks.create(arch, 3);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        ComputationGraph copy = ChannelSurgery.prune(g, info, Networks.keepAll(info));
        INDArray x = Networks.input(8, 4);
        assertClose(g.outputSingle(false, x), copy.outputSingle(false, x));
        assertEquals(g.numParams(), copy.numParams());
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void prunedNetworkEqualsOriginalWithRemovedChannelsZeroed(Architecture arch) {
        ComputationGraph g = Networks.create(arch, 5);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        Map<Integer, int[]> keep = Networks.keepRandom(info, 0.5, 6);
        ComputationGraph pruned = ChannelSurgery.prune(g, info, keep);
        ComputationGraph zeroed = Networks.zeroRemoved(g, info, keep);
        INDArray x = Networks.input(8, 7);

        INDArray original = g.outputSingle(false, x);
        INDArray expected = zeroed.outputSingle(false, x);
        assertTrue(maxAbsDiff(original, expected) > 1e-3, "zeroing channels must change the outputs");
        assertClose(expected, pruned.outputSingle(false, x));

        ModelInfo after = ModelInfo.of(pruned, Networks.MNIST);
        for (Map.Entry<Integer, int[]> e : keep.entrySet()) {
            ChannelGroup before = info.groups().get(e.getKey());
            for (String member : before.members()) {
                int[] kept = info.layout(member).kept(keep);
                assertEquals(kept == null ? info.layer(member).channels() : kept.length,
                        after.layer(member).channels(), member);
            }
        }
        assertEquals(ChannelCostModel.of(info).macs(counts(keep)), after.totalMacs());
        assertTrue(after.totalMacs() < info.totalMacs() && after.totalParameters() < info.totalParameters());
        assertEquals(pruned.numParams(), after.totalParameters());
    }

    @ParameterizedTest
    @EnumSource(UserNetworks.Kind.class)
    void concatNetworkPrunedEqualsOriginalWithRemovedChannelsZeroed(UserNetworks.Kind kind) {
        ComputationGraph g = UserNetworks.create(kind, 11);
        assertPrunedEqualsZeroed(g, ModelInfo.of(g, Networks.MNIST), 12);
    }

    @Test
    void networksWithUnsupportedVerticesArePrunedInTheirOtherGroups() {
        for (ComputationGraph g : new ComputationGraph[]{UserNetworks.withSubset(13), UserNetworks.withUnknownLayer(14)}) {
            ModelInfo info = ModelInfo.of(g, Networks.MNIST);
            assertTrue(info.groups().stream().anyMatch(x -> !x.prunable() && x.block().unsupported()));
            assertPrunedEqualsZeroed(g, info, 15);
        }
    }

    @ParameterizedTest
    @EnumSource(UserNetworks.Kind.class)
    void keepingEveryChannelOfAConcatNetworkReproducesTheOutputs(UserNetworks.Kind kind) {
        ComputationGraph g = UserNetworks.create(kind, 16);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        INDArray x = Networks.input(4, 17);
        assertClose(g.outputSingle(false, x), ChannelSurgery.prune(g, info, Networks.keepAll(info)).outputSingle(false, x));
    }

    /** Random half of every prunable group: the pruned network computes what the zeroed original does. */
    static void assertPrunedEqualsZeroed(ComputationGraph g, ModelInfo info, long seed) {
        Map<Integer, int[]> keep = Networks.keepRandom(info, 0.5, seed);
        assertPrunedEqualsZeroed(g, info, keep);
    }

    static void assertPrunedEqualsZeroed(ComputationGraph g, ModelInfo info, Map<Integer, int[]> keep) {
        ComputationGraph pruned = ChannelSurgery.prune(g, info, keep);
        INDArray x = Networks.input(8, 7);
        INDArray expected = Networks.zeroRemoved(g, info, keep).outputSingle(false, x);
        assertTrue(maxAbsDiff(g.outputSingle(false, x), expected) > 1e-4, "zeroing channels must change the outputs");
        assertClose(expected, pruned.outputSingle(false, x));
        ModelInfo after = ModelInfo.of(pruned, Networks.MNIST);
        assertEquals(ChannelCostModel.of(info).macs(counts(keep)), after.totalMacs());
        assertEquals(pruned.numParams(), after.totalParameters());
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void prunedNetworkTrains(Architecture arch) {
        ComputationGraph g = Networks.create(arch, 8);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        ComputationGraph pruned = ChannelSurgery.prune(g, info, Networks.keepRandom(info, 0.3, 9));
        INDArray labels = Nd4j.eye(10).getRows(0, 1, 2, 3, 4, 5, 6, 7);
        pruned.fit(new DataSet(Networks.input(8, 10), labels));
        assertTrue(Double.isFinite(pruned.score()), "loss " + pruned.score());
    }

    @Test
    void lenetDenseLayerKeepsTheRowsOfTheKeptFeatureMaps() {
        ComputationGraph g = Networks.create(Architecture.LENET, 1);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        int conv2 = info.groupOf("conv2").id();
        ComputationGraph pruned = ChannelSurgery.prune(g, info, Map.of(conv2, new int[]{3, 17}));
        INDArray w = g.getLayer("fc1").getParam("W");
        INDArray cut = pruned.getLayer("fc1").getParam("W");
        assertArrayEquals(new long[]{2 * 16, 500}, cut.shape());
        // row c*H*W + h*W + w of the original: channel 17, position (2, 3) -> 17*16 + 2*4 + 3
        assertEquals(w.getRow(17 * 16 + 11), cut.getRow(16 + 11));
        assertEquals(w.getRow(3 * 16), cut.getRow(0));
        LayerVertex fc1 = (LayerVertex) pruned.getConfiguration().getVertices().get("fc1");
        assertEquals(2, ((CnnToFeedForwardPreProcessor) fc1.getPreProcessor()).getNumChannels());
    }

    @Test
    void leavesTheInputNetworkUnchanged() {
        ComputationGraph g = Networks.create(Architecture.LENET, 1);
        INDArray params = g.params().dup();
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        ChannelSurgery.prune(g, info, Networks.keepRandom(info, 0.5, 2));
        assertEquals(params, g.params());
        LayerVertex fc1 = (LayerVertex) g.getConfiguration().getVertices().get("fc1");
        assertEquals(50, ((CnnToFeedForwardPreProcessor) fc1.getPreProcessor()).getNumChannels());
        assertEquals(info.totalMacs(), ModelInfo.of(g, Networks.MNIST).totalMacs());
    }

    @Test
    void rejectsBadKeepListsNamingTheGroupAndTheFix() {
        ComputationGraph g = Networks.create(Architecture.LENET, 1);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        int conv2 = info.groupOf("conv2").id();
        int output = info.groupOf("output").id();
        assertMessage(g, info, Map.of(conv2, new int[0]), "channel group " + conv2, "is empty");
        assertMessage(g, info, Map.of(conv2, new int[]{4, 2}), "channel group " + conv2, "strictly increasing",
                "sort it");
        assertMessage(g, info, Map.of(conv2, new int[]{2, 2}), "strictly increasing", "remove duplicates");
        assertMessage(g, info, Map.of(conv2, new int[]{1, 50}), "holds 50", "outside [0, 50)");
        assertMessage(g, info, Map.of(conv2, new int[]{-1, 3}), "holds -1");
        assertMessage(g, info, Map.of(42, new int[]{0}), "no channel group 42", "groups 0 to 3");
        assertMessage(g, info, Map.of(output, new int[]{0, 1}), "channel group " + output, "cannot be pruned",
                "network output", "remove group " + output);
        assertThrows(IllegalArgumentException.class, () -> ChannelSurgery.prune(g, info, null));
    }

    @Test
    void rejectsTheModelInfoOfAnotherNetwork() {
        ComputationGraph lenet = Networks.create(Architecture.LENET, 1);
        ModelInfo resnet = ModelInfo.of(Networks.create(Architecture.RESNET20, 1), Networks.MNIST);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChannelSurgery.prune(lenet, resnet, Map.of(1, new int[]{0})));
        assertTrue(e.getMessage().contains("ModelInfo of this very graph"), e.getMessage());
    }

    private static void assertMessage(ComputationGraph g, ModelInfo info, Map<Integer, int[]> keep, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChannelSurgery.prune(g, info, keep));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }

    static Map<Integer, Integer> counts(Map<Integer, int[]> keep) {
        Map<Integer, Integer> counts = new java.util.TreeMap<>();
        keep.forEach((g, k) -> counts.put(g, k.length));
        return counts;
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    static void assertClose(INDArray expected, INDArray actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.dup().data().asDouble(), actual.dup().data().asDouble(), TOLERANCE);
    }
}
