package org.pocketflow.worker.learn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.export.PackedModel;
import org.pocketflow.worker.export.PackedModelFile;
import org.pocketflow.worker.learn.prune.ChannelPruningLearner;
import org.pocketflow.worker.learn.quant.CodebookOptions;
import org.pocketflow.worker.learn.quant.NonUniformQuantLearner;
import org.pocketflow.worker.learn.quant.UniformQuantLearner;
import org.pocketflow.worker.learn.sparse.WeightSparsityLearner;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.train.ImageSetEpochs;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * Each learner on a LeNet trained briefly on a Fashion-MNIST subset: fine-tuning recovers
 * accuracy lost to aggressive compression, and the packed model computes exactly what the
 * fine-tuned network computes.
 */
class LearnersOnFashionMnistTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";
    private static IdxDataset data;
    private static ImageSet train;
    private static Normalizer norm;
    private static ComputationGraph base;
    private static double baseAccuracy;

    @BeforeAll
    static void trainBase() {
        assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        data = IdxDataset.open("file://" + DATA, 6000, 2000);
        train = data.train();
        norm = Normalizer.fit(train);
        TrainingSpec spec = new TrainingSpec(2, 64, 0.02, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, 3, 1000);
        ComputationGraph g = Architecture.LENET.factory().create(data.shape(), data.classes(), 3);
        g = Trainer.withOptimizer(g, spec, train.batchCount(64));
        new Trainer(spec, s -> { }).fit(g, new ImageSetEpochs(train, norm, 64, 3));
        base = g;
        baseAccuracy = accuracy(base);
    }

    private static double accuracy(ComputationGraph g) {
        return Evaluator.evaluate(g, data.test().batchesInOrder(500, norm)).accuracy();
    }

    private static FineTuneSpec oneEpoch() {
        return FineTuneSpec.of(new TrainingSpec(1, 64, 0.01, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, 5, 1000));
    }

    private static CompressedModel run(Learner l, Budget b, FineTuneSpec ft) {
        return LearnerRun.run(l, base, data.shape(), Map.of(), b, ft, new ImageSetEpochs(train, norm, 64, 5),
                Map.of("seed", "5"), s -> { });
    }

    static Stream<Arguments> aggressive() {
        return Stream.of(
                Arguments.of(new UniformQuantLearner(), Budget.bits(2)),
                Arguments.of(new NonUniformQuantLearner(), Budget.bits(2)),
                Arguments.of(new NonUniformQuantLearner(CodebookOptions.PER_LAYER), Budget.bits(2)),
                Arguments.of(new WeightSparsityLearner(), Budget.sparse(0.95)),
                Arguments.of(new ChannelPruningLearner(), Budget.macs(0.3)),
                Arguments.of(new ChainLearner(new ChannelPruningLearner(), new UniformQuantLearner()),
                        new Budget(0.3, 2, Double.NaN)));
    }

    @ParameterizedTest
    @MethodSource("aggressive")
    void fineTuningRecoversAccuracyAndThePackedModelComputesTheSame(Learner learner, Budget budget) {
        CompressedModel none = run(learner, budget, FineTuneSpec.none());
        CompressedModel tuned = run(learner, budget, oneEpoch());
        double a0 = accuracy(none.graph());
        double a1 = accuracy(tuned.graph());
        assertTrue(baseAccuracy > 0.75, "base accuracy " + baseAccuracy);
        assertTrue(a1 > a0 + 0.01, learner.name() + ": fine-tuned " + a1 + " vs none " + a0 + " (base " + baseAccuracy + ")");

        PackedModel back = PackedModelFile.fromBytes(PackedModelFile.toBytes(tuned.packed()), "memory");
        ComputationGraph loaded = back.toGraph();
        INDArray x = data.test().batchesInOrder(200, norm).next().getFeatures();
        assertArrayEquals(tuned.graph().outputSingle(false, x).data().asFloat(),
                loaded.outputSingle(false, x).data().asFloat(), 1e-5f, learner.name());
        assertEquals(a1, accuracy(loaded), 1e-9);
        assertEquals(learner.name(), back.provenance().get("learner"));
    }

    @Test
    void packedFilesShrinkAsTheBudgetsSay() {
        long fp32 = ModelCost.of(org.pocketflow.worker.model.ModelInfo.of(base, data.shape())).bytes();
        CompressedModel q8 = run(new UniformQuantLearner(), Budget.bits(8), FineTuneSpec.none());
        CompressedModel q4 = run(new NonUniformQuantLearner(), Budget.bits(4), FineTuneSpec.none());
        CompressedModel s75 = run(new WeightSparsityLearner(), Budget.sparse(0.75), FineTuneSpec.none());
        assertTrue(q8.packed().tensorBytes() < fp32 / 3.9, "8-bit " + q8.packed().tensorBytes() + " of " + fp32);
        assertTrue(q4.packed().tensorBytes() < fp32 / 7.5, "4-bit " + q4.packed().tensorBytes() + " of " + fp32);
        assertTrue(s75.packed().tensorBytes() < fp32 / 3.0, "75% sparse " + s75.packed().tensorBytes() + " of " + fp32);
        // 8-bit quantization alone costs (almost) nothing
        assertTrue(accuracy(q8.graph()) > baseAccuracy - 0.01, "8-bit " + accuracy(q8.graph()) + " vs " + baseAccuracy);
        List<String> kinds = List.copyOf(s75.packed().encodings().values());
        assertTrue(kinds.contains("dense") && kinds.stream().anyMatch(k -> k.startsWith("sparse")), kinds.toString());
    }

    @Test
    void distillationFineTunesWithTheTeacherAndTheSameSeedRepeats() {
        FineTuneSpec distill = oneEpoch().withDistillation(1.0, 4.0);
        Learner l = new UniformQuantLearner();
        CompressedModel a = run(l, Budget.bits(2), distill);
        CompressedModel b = run(l, Budget.bits(2), distill);
        CompressedModel none = run(l, Budget.bits(2), FineTuneSpec.none());
        assertTrue(accuracy(a.graph()) > accuracy(none.graph()) + 0.01);
        assertArrayEquals(a.graph().params().data().asFloat(), b.graph().params().data().asFloat());
        // the output layer's loss is cross-entropy again afterwards, so the network saves and scores normally
        var out = (org.deeplearning4j.nn.conf.layers.BaseOutputLayer) a.graph().getOutputLayer(0).conf().getLayer();
        assertTrue(out.getLossFn() instanceof org.nd4j.linalg.lossfunctions.impl.LossMCXENT, out.getLossFn().toString());
    }
}
