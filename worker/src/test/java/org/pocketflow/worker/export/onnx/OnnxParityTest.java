package org.pocketflow.worker.export.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Stream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.CompressedModel;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.Learner;
import org.pocketflow.worker.learn.LearnerRun;
import org.pocketflow.worker.learn.prune.ChannelPruningLearner;
import org.pocketflow.worker.learn.quant.NonUniformQuantLearner;
import org.pocketflow.worker.learn.quant.UniformQuantLearner;
import org.pocketflow.worker.learn.sparse.WeightSparsityLearner;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.train.ImageSetEpochs;

/**
 * Exported compressed networks compute in ONNX Runtime what DL4J computes: LeNet, ResNet-20 and
 * an inception-style concat network and MobileNet with random weights and non-trivial batch-norm
 * statistics, each through 8- and 4-bit uniform (also with 8-bit activations), codebook, sparse
 * and pruned compression.
 */
class OnnxParityTest {
    /** Largest probability difference accepted (float rounding of folded batch norms and reordered sums). */
    private static final double TOLERANCE = 1e-4;
    /**
     * With quantized activations a float rounding difference can move a value across a rounding
     * boundary, one activation step (clip / 255) apart; measured up to 6e-3 in probability.
     */
    private static final double ACTIVATION_QUANT_TOLERANCE = 2e-2;
    private static final Normalizer NORM = new Normalizer(0.2, 0.3);

    static Stream<Arguments> cases() {
        return Stream.of("lenet", "resnet20", "concat", "mobilenet").flatMap(net -> Stream.of(
                Arguments.of(net, "uniform-8", new UniformQuantLearner(), Budget.bits(8)),
                Arguments.of(net, "uniform-4", new UniformQuantLearner(), Budget.bits(4)),
                Arguments.of(net, "uniform-8-activations-8", new UniformQuantLearner(2, 8, 8, calibration()),
                        Budget.bits(8)),
                Arguments.of(net, "codebook-4", new NonUniformQuantLearner(), Budget.bits(4)),
                Arguments.of(net, "sparse-75", new WeightSparsityLearner(), Budget.sparse(0.75)),
                Arguments.of(net, "pruned-50", new ChannelPruningLearner(), Budget.macs(0.5))));
    }

    private static INDArray calibration() {
        return OnnxTestNetworks.randomImages(OnnxTestNetworks.MNIST, 64, 5).batchesInOrder(64, NORM).next()
                .getFeatures();
    }

    static ComputationGraph network(String name) {
        ComputationGraph g = switch (name) {
            case "lenet" -> Architecture.LENET.factory().create(OnnxTestNetworks.MNIST, 10, 11);
            case "resnet20" -> Architecture.RESNET20.factory().create(OnnxTestNetworks.MNIST, 10, 12);
            case "mobilenet" -> Architecture.MOBILENET.factory().create(OnnxTestNetworks.MNIST, 10, 15);
            default -> OnnxTestNetworks.concatNet(13);
        };
        return OnnxTestNetworks.randomiseBatchNorms(g, 14);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void compressedNetworkComputesTheSameInOnnxRuntime(String net, String label, Learner learner, Budget budget) {
        ImageSet images = OnnxTestNetworks.randomImages(OnnxTestNetworks.MNIST, 300, 21);
        CompressedModel m = LearnerRun.run(learner, network(net), OnnxTestNetworks.MNIST, Map.of(), budget,
                FineTuneSpec.none(), new ImageSetEpochs(images, NORM, 32, 3), Map.of("seed", "3"), s -> { });
        OnnxModel onnx = OnnxExporter.export(m.graph(), m.packed().tensors(), OnnxTestNetworks.MNIST, NORM,
                Map.of("seed", "3"));
        if (label.startsWith("uniform")) {
            assertTrue(onnx.int8Tensors() > 0, "quantized weights stay int8: " + onnx.storage());
        }
        // dequantized once at load (ONNX Runtime's constant folding) and on every run (the QDQ kernels)
        for (boolean atLoad : new boolean[]{true, false}) {
            try (OnnxRuntimeSession ort = new OnnxRuntimeSession(onnx, 1, atLoad)) {
                OnnxParity p = OnnxParity.measure(m.graph(), ort, images, NORM);
                System.out.printf("%s %s (dequantize at load %s): agreement %.4f, max probability difference %.2e%n",
                        net, label, atLoad, p.top1Agreement(), p.maxProbabilityDifference());
                assertEquals(300, p.images());
                double tolerance = label.contains("activations") ? ACTIVATION_QUANT_TOLERANCE : TOLERANCE;
                assertTrue(p.maxProbabilityDifference() < tolerance, net + " " + label + ": " + p);
                assertTrue(p.top1Agreement() >= 0.99, net + " " + label + ": " + p);
                assertTrue(Math.abs(p.top1DifferencePoints()) <= 1.0, net + " " + label + ": " + p);
            }
        }
    }
    /**
     * A learner setting of 0 for a residual branch's group (the latency allocation's choice) removes
     * the branch; the smaller network, some additions gone, computes the same in ONNX Runtime.
     */
    @Test
    void aNetworkWithResidualBranchesRemovedComputesTheSameInOnnxRuntime() {
        ImageSet images = OnnxTestNetworks.randomImages(OnnxTestNetworks.MNIST, 300, 22);
        ComputationGraph base = network("resnet20");
        Map<String, Double> settings = Map.of("s1b3_a_conv", 0.0, "s2b1_a_conv", 0.0, "s3b2_a_conv", 0.0);
        CompressedModel m = LearnerRun.run(new ChannelPruningLearner(), base, OnnxTestNetworks.MNIST, settings,
                Budget.macs(0.5), FineTuneSpec.none(), new ImageSetEpochs(images, NORM, 32, 3), Map.of("seed", "3"),
                s -> { });
        var vertices = m.graph().getConfiguration().getVertices();
        // an addition left with one operand goes too; s3b1's keeps both
        assertTrue(!vertices.containsKey("s1b3_a_conv") && !vertices.containsKey("s2b1_b_conv")
                && !vertices.containsKey("s2b1_add") && !vertices.containsKey("s3b2_add")
                && vertices.containsKey("s3b1_add"),
                vertices.keySet().toString());
        assertTrue(m.after().macs() <= 0.5 * m.before().macs(), m.after().macs() + " MACs");
        assertTrue(m.notes().stream().anyMatch(n -> n.startsWith("residual branch of group s1b3_a_conv removed")),
                m.notes().toString());
        OnnxModel onnx = OnnxExporter.export(m.graph(), m.packed().tensors(), OnnxTestNetworks.MNIST, NORM,
                Map.of("seed", "3"));
        try (OnnxRuntimeSession ort = new OnnxRuntimeSession(onnx, 1)) {
            OnnxParity p = OnnxParity.measure(m.graph(), ort, images, NORM);
            assertTrue(p.maxProbabilityDifference() < TOLERANCE && p.top1Agreement() >= 0.99, p.toString());
        }
    }
}
