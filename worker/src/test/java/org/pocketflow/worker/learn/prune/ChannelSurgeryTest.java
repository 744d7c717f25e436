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
    void cuttingAResidualBranchToZeroChannelsRemovesTheBranch(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        ComputationGraph g = Networks.create(Architecture.RESNET20, 21);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        // every block's inner group can go; the stem, the shared residual groups and the output cannot
        java.util.List<String> removable = info.groups().stream().filter(x -> info.removable(x.id()))
                .map(ChannelGroup::name).toList();
        assertEquals(java.util.List.of("s1b1_a_conv", "s1b2_a_conv", "s1b3_a_conv", "s2b1_a_conv", "s2b2_a_conv",
                "s2b3_a_conv", "s3b1_a_conv", "s3b2_a_conv", "s3b3_a_conv"), removable);
        int s1b2 = info.group("s1b2_a_conv").id();
        int s2b1 = info.group("s2b1_a_conv").id();
        assertEquals(java.util.List.of("s1b2_a_conv", "s1b2_a_bn", "s1b2_a_relu", "s1b2_b_conv", "s1b2_b_bn"),
                info.branch(s1b2));
        assertThrows(IllegalArgumentException.class, () -> info.branch(info.groupOf("stem_conv").id()));

        Map<Integer, int[]> keep = new java.util.TreeMap<>(Networks.keepRandom(info, 0.5, 22));
        keep.put(s1b2, new int[0]);
        keep.put(s2b1, new int[0]);
        ComputationGraph pruned = ChannelSurgery.prune(g, info, keep);

        // the reference: the removed channels zeroed and the removed branches' outputs silenced
        ComputationGraph zeroed = Networks.zeroRemoved(g, info, keep);
        for (String bn : new String[]{"s1b2_b_bn", "s2b1_b_bn"}) {
            zeroed.getLayer(bn).getParam("gamma").assign(0);
            zeroed.getLayer(bn).getParam("beta").assign(0);
        }
        INDArray x = Networks.input(8, 23);
        assertTrue(maxAbsDiff(g.outputSingle(false, x), zeroed.outputSingle(false, x)) > 1e-3);
        assertClose(zeroed.outputSingle(false, x), pruned.outputSingle(false, x));

        var vertices = pruned.getConfiguration().getVertices();
        for (String v : info.branch(s1b2)) {
            assertTrue(!vertices.containsKey(v), v + " should be removed");
        }
        // s1b2's addition keeps the shortcut and its other operand is gone: it is removed, its ReLU reads the input
        assertTrue(!vertices.containsKey("s1b2_add") && !vertices.containsKey("s2b1_add"));
        assertEquals(java.util.List.of("s1b1_relu"), pruned.getConfiguration().getVertexInputs().get("s1b2_relu"));
        assertEquals(java.util.List.of("s2b1_proj_bn"), pruned.getConfiguration().getVertexInputs().get("s2b1_relu"));
        ModelInfo after = ModelInfo.of(pruned, Networks.MNIST);
        assertEquals(ChannelCostModel.of(info).macs(counts(keep)), after.totalMacs());
        assertEquals(pruned.numParams(), after.totalParameters());

        // a copy through the model file computes the same, and the smaller network trains
        java.nio.file.Path file = tmp.resolve("pruned.zip");
        org.pocketflow.worker.model.ModelFiles.save(pruned, file.toString());
        assertClose(pruned.outputSingle(false, x),
                org.pocketflow.worker.model.ModelFiles.load(file.toString()).outputSingle(false, x));
        INDArray labels = Nd4j.eye(10).getRows(0, 1, 2, 3, 4, 5, 6, 7);
        pruned.fit(new DataSet(x, labels));
        assertTrue(Double.isFinite(pruned.score()), "loss " + pruned.score());
    }

    /**
     * A pre-activation block (batch norm and ReLU before each convolution, the sum not followed by a
     * ReLU): the batch norm and ReLU that only fed the branch go with it, and the layer after the sum
     * reads the shortcut.
     */
    @Test
    void aPreActivationBranchGoesWithTheLayersThatOnlyFedIt() {
        var conv = (java.util.function.BiFunction<Integer, Integer, org.deeplearning4j.nn.conf.layers.ConvolutionLayer>)
                (k, n) -> new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(k, k).nOut(n)
                        .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build();
        var relu = new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder()
                .activation(org.nd4j.linalg.activations.Activation.RELU).build();
        var conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(31)
                .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same).graphBuilder().addInputs("input")
                .addLayer("conv0", conv.apply(3, 8), "input")
                .addLayer("pre_bn", new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().build(), "conv0")
                .addLayer("pre_relu", relu.clone(), "pre_bn")
                .addLayer("a_conv", conv.apply(3, 12), "pre_relu")
                .addLayer("a_bn", new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().build(), "a_conv")
                .addLayer("a_relu", relu.clone(), "a_bn")
                .addLayer("b_conv", conv.apply(3, 8), "a_relu")
                .addVertex("add", new org.deeplearning4j.nn.conf.graph.ElementWiseVertex(
                        org.deeplearning4j.nn.conf.graph.ElementWiseVertex.Op.Add), "b_conv", "conv0")
                .addLayer("head", conv.apply(1, 6), "add")
                .addLayer("gap", new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder(
                        org.deeplearning4j.nn.conf.layers.PoolingType.AVG).build(), "head")
                .addLayer("output", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "gap")
                .setOutputs("output")
                .setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(28, 28, 1)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        Networks.randomBatchNorms(g, new java.util.SplittableRandom(32));
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        int a = info.groupOf("a_conv").id();
        assertEquals(java.util.List.of("pre_bn", "pre_relu", "a_conv", "a_bn", "a_relu", "b_conv"), info.branch(a));

        ComputationGraph pruned = ChannelSurgery.prune(g, info, Map.of(a, new int[0]));
        ComputationGraph silenced = g.clone();
        silenced.getLayer("b_conv").getParam("W").assign(0);
        silenced.getLayer("b_conv").getParam("b").assign(0);
        INDArray x = Networks.input(8, 33);
        assertTrue(maxAbsDiff(g.outputSingle(false, x), silenced.outputSingle(false, x)) > 1e-4);
        assertClose(silenced.outputSingle(false, x), pruned.outputSingle(false, x));
        assertEquals(java.util.List.of("conv0"), pruned.getConfiguration().getVertexInputs().get("head"));
        assertEquals(ChannelCostModel.of(info).macs(Map.of(a, 0)), ModelInfo.of(pruned, Networks.MNIST).totalMacs());
    }

    @Test
    void onlyResidualBranchGroupsMayLoseEveryChannel() {
        ComputationGraph lenet = Networks.create(Architecture.LENET, 24);
        ModelInfo info = ModelInfo.of(lenet, Networks.MNIST);
        assertTrue(info.groups().stream().noneMatch(x -> info.removable(x.id())), "a chain has no branch to remove");
        for (UserNetworks.Kind kind : UserNetworks.Kind.values()) {
            ModelInfo user = ModelInfo.of(UserNetworks.create(kind, 25), Networks.MNIST);
            // a concatenation's branch leaves its channels in the concatenation: it stays
            assertTrue(user.groups().stream().noneMatch(x -> user.removable(x.id())), kind.name());
        }
        ComputationGraph resnet = Networks.create(Architecture.RESNET20, 26);
        ModelInfo r = ModelInfo.of(resnet, Networks.MNIST);
        int shared = r.groupOf("s2b1_proj_conv").id();
        assertMessage(resnet, r, Map.of(shared, new int[0]), "channel group " + shared, "is empty",
                "residual branch", "keep at least one channel");
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
