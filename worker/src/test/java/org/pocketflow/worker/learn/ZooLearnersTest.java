package org.pocketflow.worker.learn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.export.PackedModel;
import org.pocketflow.worker.export.PackedModelFile;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.data.GeneratedImages;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.train.ImageSetEpochs;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * Every learner on the ImageNet networks of the zoo, on small generated colour images: the budget
 * is met, a few fine-tuning steps (with distillation where asked) run, and the packed model
 * computes what the fine-tuned network computes.
 */
class ZooLearnersTest {
    private static final int CLASSES = 10;

    static Stream<Arguments> cases() {
        Budget half = Budget.macs(0.5);
        Budget chain = new Budget(0.5, 8, Double.NaN);
        return Stream.of(
                Arguments.of(Architecture.RESNET18, "channel-pruning", "dcp", half, false),
                Arguments.of(Architecture.RESNET18, "channel-pruning+uniform-quant", "lasso", chain, false),
                Arguments.of(Architecture.RESNET18, "weight-sparsity", "l1", Budget.sparse(0.75), true),
                Arguments.of(Architecture.RESNET50, "channel-pruning", "l1", half, false),
                Arguments.of(Architecture.RESNET50, "uniform-quant", "l1", Budget.bits(4), false),
                Arguments.of(Architecture.MOBILENET_V1, "channel-pruning", "dcp", half, true),
                Arguments.of(Architecture.MOBILENET_V1, "channel-pruning+nonuniform-quant", "l1", chain, false),
                Arguments.of(Architecture.MOBILENET_V1, "uniform-quant", "l1", Budget.bits(4), false));
    }

    @ParameterizedTest(name = "{0} {1} ({2}) distill={4}")
    @MethodSource("cases")
    void meetsTheBudgetFineTunesAndPacks(Architecture arch, String learner, String selector, Budget budget,
                                         boolean distill) {
        // ResNet-50 at 64x64 goes through the ImageNet stem (and costs a quarter of its 32x32 CIFAR form)
        ImageShape shape = arch == Architecture.RESNET50 ? new ImageShape(3, 64, 64) : new ImageShape(3, 32, 32);
        ImageSet train = GeneratedImages.of(shape, CLASSES, 16, 1);
        Normalizer norm = Normalizer.fit(train);
        ComputationGraph base = arch.factory().create(shape, CLASSES, 3);
        ModelInfo before = ModelInfo.of(base, shape);
        DataSet calibration = train.batchesInOrder(train.size(), norm).next();
        Learner l = LearnerCatalog.create(learner, new LearnerOptions(true, selector, 8, 0), calibration, 5);
        FineTuneSpec spec = FineTuneSpec.of(new TrainingSpec(1, 8, 0.01, 0.9, 5e-4,
                TrainingSpec.LrSchedule.COSINE, 5, 1000));
        if (distill) {
            spec = spec.withDistillation(1.0, 4.0);
        }
        CompressedModel c = LearnerRun.run(l, base, shape, Map.of(), budget, spec,
                new ImageSetEpochs(train, norm, 8, 5), Map.of("seed", "5"), s -> { });

        ModelInfo after = ModelInfo.of(c.graph(), shape);
        if (!Double.isNaN(budget.macFraction())) {
            assertTrue(after.totalMacs() <= budget.macFraction() * before.totalMacs(),
                    after.totalMacs() + " MACs of " + before.totalMacs());
            assertTrue(after.totalMacs() > 0.3 * before.totalMacs(), "kept " + after.totalMacs());
        }
        if (!Double.isNaN(budget.sparsity())) {
            assertEquals(budget.sparsity(), zeroFraction(c.graph(), after), 0.01);
        }
        if (!Double.isNaN(budget.averageBits())) {
            assertTrue(c.tensorBytesFraction() < 1.0 / 3, "packed " + c.tensorBytesFraction() + " of fp32");
        }

        INDArray x = calibration.getFeatures();
        INDArray out = c.graph().outputSingle(false, x);
        assertTrue(out.isMatrix() && out.size(1) == CLASSES && Double.isFinite(out.sumNumber().doubleValue()));
        PackedModel back = PackedModelFile.fromBytes(PackedModelFile.toBytes(c.packed()), "memory");
        assertArrayEquals(out.data().asFloat(), back.toGraph().outputSingle(false, x).data().asFloat(), 1e-5f,
                arch + " " + learner);
        assertEquals(learner, back.provenance().get("learner"));
        assertTrue(back.provenance().get("fine-tune").contains(distill ? "distillationWeight=1.0" : "distillationWeight=0.0"),
                back.provenance().get("fine-tune"));
    }

    /** Zeros among the weights that sparsity covers. */
    private static double zeroFraction(ComputationGraph g, ModelInfo info) {
        Map<String, Long> sizes = new HashMap<>(WeightTensor.weightsPerLayer(info));
        long zeros = 0;
        long total = 0;
        for (String layer : sizes.keySet()) {
            INDArray w = g.getLayer(layer).getParam("W");
            zeros += w.length() - w.neq(0).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
            total += w.length();
        }
        return zeros / (double) total;
    }
}
