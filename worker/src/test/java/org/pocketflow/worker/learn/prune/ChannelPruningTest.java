package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
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

class ChannelPruningTest {
    private static final String FASHION_MNIST = "/usr/share/datasets/fashion-mnist";

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void uniformPruningHalvesTheMacsAndReportsTheCosts(Architecture arch) {
        ComputationGraph g = Networks.create(arch, 31);
        INDArray params = g.params().dup();
        PrunedNetwork p = new ChannelPruning(new L1ChannelSelector()).pruneUniform(g, Networks.MNIST, 0.5);
        PruningReport r = p.report();
        ModelInfo before = ModelInfo.of(g, Networks.MNIST);
        ModelInfo after = ModelInfo.of(p.graph(), Networks.MNIST);

        assertEquals(params, g.params(), "the input network must stay unchanged");
        assertEquals(before.totalMacs(), r.before().macs());
        assertEquals(after.totalMacs(), r.after().macs());
        assertEquals(p.graph().numParams(), r.after().parameters());
        assertTrue(r.macFraction() <= 0.5 && r.macFraction() > 0.49, "MAC fraction " + r.macFraction());
        assertTrue(r.parameterFraction() < 0.75, "parameter fraction " + r.parameterFraction());
        assertEquals("l1", r.selector());
        assertEquals(before.groups().stream().filter(x -> x.prunable()).count(), r.groups().size());
        for (PrunedGroup pg : r.groups()) {
            String producer = pg.producers().get(0);
            assertEquals(pg.kept().size(), after.layer(producer).channels(), producer);
        }
        assertEquals(1.0, r.groups().get(0).keptFraction(), "the first group is kept whole by default");
    }

    @Test
    void followsPerGroupRatiosAndLetsTheLastGroupFillTheBudget() {
        ComputationGraph g = Networks.create(Architecture.LENET, 32);
        PrunedNetwork p = new ChannelPruning(new L1ChannelSelector(), false)
                .prune(g, Networks.MNIST, 0.5, Map.of(0, 0.5, 1, 0.9, 2, 0.5));
        // conv1 takes its ratio (10 of 20), conv2 too (45 of 50); fc1 would leave the budget unused at
        // 250 of 500 and takes what is left: (0.5 * 2,293,000 - 144,000 - 720,000) / (45*16 + 10) = 386
        assertEquals(10, p.report().groups().get(0).kept().size());
        assertEquals(45, p.report().groups().get(1).kept().size());
        assertEquals(386, p.report().groups().get(2).kept().size());
        assertTrue(p.report().macFraction() <= 0.5 && p.report().macFraction() > 0.499, p.report().toString());
    }

    /**
     * Through the facade, on every zoo network (residual groups with several consumers, depthwise
     * followers): LASSO with reconstruction meets the same budget as L1 and its outputs on unseen
     * inputs stay closer to the unpruned network's than those of L1 without reconstruction.
     */
    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void lassoWithReconstructionStaysCloserToTheOriginalThanL1(Architecture arch) {
        ComputationGraph g = Networks.create(arch, 33);
        INDArray params = g.params().dup();
        INDArray unseen = Networks.input(64, 35);
        PrunedNetwork l1 = new ChannelPruning(new L1ChannelSelector()).pruneUniform(g, Networks.MNIST, 0.5);
        PrunedNetwork lasso = new ChannelPruning(new LassoChannelSelector(Networks.input(64, 34), 5, 4, true))
                .pruneUniform(g, Networks.MNIST, 0.5);
        assertEquals(params, g.params(), "the input network must stay unchanged");
        assertEquals(l1.report().after().macs(), lasso.report().after().macs());
        double e1 = relativeChange(g, l1.graph(), unseen);
        double e2 = relativeChange(g, lasso.graph(), unseen);
        assertTrue(e2 < e1, arch + ": relative output change L1 " + e1 + ", LASSO + least squares " + e2);
    }

    private static double relativeChange(ComputationGraph a, ComputationGraph b, INDArray x) {
        INDArray want = a.outputSingle(false, x);
        return b.outputSingle(false, x).sub(want).norm2Number().doubleValue() / want.norm2Number().doubleValue();
    }

    @Test
    void rejectsAMissingSelector() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ChannelPruning(null));
        assertTrue(e.getMessage().contains("L1ChannelSelector"), e.getMessage());
    }

    @Test
    void fineTuningRecoversAccuracyLostToPruning() {
        assumeTrue(Files.isDirectory(Path.of(FASHION_MNIST)), "Fashion-MNIST not installed");
        IdxDataset data = IdxDataset.open("file://" + FASHION_MNIST, 3000, 1000);
        ImageSet train = data.train();
        Normalizer norm = Normalizer.fit(train);
        TrainingSpec spec = new TrainingSpec(1, 64, 0.02, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, 3, 1000);
        ComputationGraph g = Architecture.LENET.factory().create(data.shape(), data.classes(), 3);
        g = Trainer.withOptimizer(g, spec, train.batchCount(64));
        new Trainer(spec, line -> { }).fit(g, new ImageSetEpochs(train, norm, 64, 3));
        double trained = Evaluator.evaluate(g, data.test().batchesInOrder(256, norm)).accuracy();

        PrunedNetwork p = new ChannelPruning(new L1ChannelSelector()).pruneUniform(g, data.shape(), 0.5);
        double pruned = Evaluator.evaluate(p.graph(), data.test().batchesInOrder(256, norm)).accuracy();
        TrainingSpec tune = new TrainingSpec(1, 64, 0.01, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, 4, 1000);
        ComputationGraph tuned = Trainer.withOptimizer(p.graph(), tune, train.batchCount(64));
        new Trainer(tune, line -> { }).fit(tuned, new ImageSetEpochs(train, norm, 64, 4));
        double fineTuned = Evaluator.evaluate(tuned, data.test().batchesInOrder(256, norm)).accuracy();

        String figures = String.format("trained %.3f, pruned to %.2f MACs %.3f, fine-tuned %.3f", trained,
                p.report().macFraction(), pruned, fineTuned);
        System.out.println("LeNet on 3000 Fashion-MNIST images: " + figures);
        assertTrue(trained > 0.6, figures);
        assertTrue(fineTuned > pruned, figures);
        assertTrue(fineTuned > 0.6, figures);
    }
}
