package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.train.ImageSetEpochs;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * LASSO selection with least-squares reconstruction against L1 selection, on a LeNet trained for
 * 188 steps (4 epochs of 3,000 Fashion-MNIST images), calibrated on 256 training images and
 * judged on 1,000 test images.
 */
class LeastSquaresReconstructionTest {
    private static final String FASHION_MNIST = "/usr/share/datasets/fashion-mnist";
    private static final long SEED = 17;

    private static IdxDataset data;
    private static Normalizer norm;
    private static ComputationGraph trained;
    private static INDArray calibration;
    private static INDArray heldOut;

    @BeforeAll
    static void train() {
        if (!Files.isDirectory(Path.of(FASHION_MNIST))) {
            return;
        }
        data = IdxDataset.open("file://" + FASHION_MNIST, 3000, 1000);
        ImageSet train = data.train();
        norm = Normalizer.fit(train);
        TrainingSpec spec = new TrainingSpec(1, 64, 0.02, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, 4, 1000);
        ComputationGraph g = Architecture.LENET.factory().create(data.shape(), data.classes(), 3);
        g = Trainer.withOptimizer(g, spec, train.batchCount(64));
        new Trainer(spec, line -> { }).fit(g, new ImageSetEpochs(train, norm, 64, 4));
        trained = g;
        calibration = train.batchesInOrder(256, norm).next().getFeatures();
        heldOut = data.test().batchesInOrder(256, norm).next().getFeatures();
    }

    private static void assumeData() {
        assumeTrue(trained != null, "Fashion-MNIST not installed at " + FASHION_MNIST);
    }

    /**
     * 8 of conv2's 50 channels are kept: fewer than the 16 or so alive after this short training (the
     * rest output zero on every image, and L1 favours some of those dead filters), so the choice matters.
     */
    @Test
    void lassoWithReconstructionApproximatesTheConsumerOutputBetterThanL1() {
        assumeData();
        ModelInfo info = ModelInfo.of(trained, data.shape());
        int group = info.groupOf("conv2").id();
        LassoChannelSelector lasso = new LassoChannelSelector(calibration, SEED);
        double l1 = consumerError(info, group, new L1ChannelSelector());
        double lassoOnly = consumerError(info, group, new LassoChannelSelector(calibration, SEED, 10, false));
        double lassoLs = consumerError(info, group, lasso);
        String figures = String.format("fc1 relative error keeping 8 of 50 conv2 channels: L1 %.4f, LASSO %.4f, "
                + "LASSO + least squares %.4f", l1, lassoOnly, lassoLs);
        System.out.println(figures);
        assertTrue(lassoLs < l1, figures);
        assertTrue(lassoLs < lassoOnly, figures);
    }

    /** ||fc1(pruned) - fc1(original)|| / ||fc1(original)|| on held-out images, conv2 cut to 8 channels. */
    private static double consumerError(ModelInfo info, int group, ChannelSelector selector) {
        int[] kept = selector.select(trained, info, info.groups().get(group), 8);
        Map<Integer, int[]> keep = Map.of(group, kept);
        ComputationGraph pruned = ChannelSurgery.prune(trained, info, keep);
        selector.reconstruction().reconstruct(trained, info, pruned, keep);
        INDArray want = trained.feedForward(heldOut, false).get("fc1");
        INDArray got = pruned.feedForward(heldOut, false).get("fc1");
        return got.sub(want).norm2Number().doubleValue() / want.norm2Number().doubleValue();
    }

    @Test
    void lassoWithReconstructionIsMoreAccurateThanL1BeforeFineTuning() {
        assumeData();
        double full = accuracy(trained);
        PrunedNetwork l1 = new ChannelPruning(new L1ChannelSelector()).pruneUniform(trained, data.shape(), 0.5);
        PrunedNetwork lasso = new ChannelPruning(new LassoChannelSelector(calibration, SEED))
                .pruneUniform(trained, data.shape(), 0.5);
        double a1 = accuracy(l1.graph());
        double a2 = accuracy(lasso.graph());
        String figures = String.format("LeNet test accuracy %.3f; at %.3f of the MACs before fine-tuning: L1 %.3f, "
                + "LASSO + least squares %.3f", full, lasso.report().macFraction(), a1, a2);
        System.out.println(figures);
        assertEquals(l1.report().after().macs(), lasso.report().after().macs(), "same budget, same counts");
        assertEquals("lasso", lasso.report().selector());
        assertTrue(a2 > a1, figures);
        assertTrue(a2 > full - 0.15, figures);
    }

    @Test
    void sameSeedGivesTheSameNetworkAndAnotherSeedAnotherOne() {
        assumeData();
        INDArray a = pruneWithSeed(SEED);
        assertEquals(a, pruneWithSeed(SEED));
        assertNotEquals(a, pruneWithSeed(SEED + 1));
    }

    /** The first group is pruned too, so conv2 (a convolution consumer) samples positions. */
    private static INDArray pruneWithSeed(long seed) {
        return new ChannelPruning(new LassoChannelSelector(calibration, seed, 2, true), false)
                .pruneUniform(trained, data.shape(), 0.5).graph().params();
    }

    private static double accuracy(ComputationGraph g) {
        return Evaluator.evaluate(g, data.test().batchesInOrder(256, norm)).accuracy();
    }

    /**
     * Reconstructing the consumers of a group that keeps every channel must give back the outputs:
     * the least-squares targets are the consumers' true outputs only if the sampled patches, padding
     * and weight layouts match DL4J's (Same padding and stride 2 in ResNet, flattened maps in LeNet).
     */
    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"LENET", "RESNET20"})
    void reconstructingAnUnprunedGroupKeepsTheOutputs(Architecture arch) {
        ComputationGraph g = Networks.create(arch, 41);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        INDArray x = Networks.input(64, 42);
        int group = info.groupOf(arch == Architecture.LENET ? "conv2" : "s1b3_relu").id();
        Map<Integer, int[]> keep = Map.of(group, Networks.keepAll(info).get(group));
        ComputationGraph pruned = ChannelSurgery.prune(g, info, keep);
        new LeastSquaresReconstruction(x, 10, 3).reconstruct(g, info, pruned, keep);
        INDArray want = g.outputSingle(false, x);
        INDArray got = pruned.outputSingle(false, x);
        double rel = got.sub(want).norm2Number().doubleValue() / want.norm2Number().doubleValue();
        assertTrue(rel < 1e-3, arch + ": relative change " + rel);
    }
}
