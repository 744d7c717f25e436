package org.pocketflow.worker.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;

class BatchNormFoldingTest {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void foldedNetworkComputesTheSameOutputsWithoutTheFoldedBatchNorms(Architecture arch) {
        ComputationGraph g = arch.factory().create(MNIST, 10, 3);
        SplittableRandom rnd = new SplittableRandom(5);
        int norms = 0;
        for (Layer layer : g.getLayers()) {
            if (layer.conf().getLayer() instanceof BatchNormalization) {
                norms++;
                for (var p : layer.paramTable().entrySet()) {
                    INDArray v = p.getValue();
                    for (long i = 0; i < v.length(); i++) {
                        double u = rnd.nextDouble(-1, 1);
                        v.putScalar(i, switch (p.getKey()) {
                            case "gamma", "var" -> 1 + 0.5 * u;
                            default -> 0.3 * u;
                        });
                    }
                }
            }
        }
        INDArray params = g.params().dup();
        ComputationGraph f = BatchNormFolding.fold(g);
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 28, 28);
        // the features the output layer reads (before the softmax, which would hide differences)
        String features = g.getConfiguration().getVertexInputs().get(g.getConfiguration().getNetworkOutputs().get(0))
                .get(0);
        INDArray want = g.feedForward(x, false).get(features);
        INDArray got = f.feedForward(x, false).get(features);
        double rel = got.sub(want).norm2Number().doubleValue() / want.norm2Number().doubleValue();
        assertTrue(rel < 1e-5, arch + ": relative difference " + rel);
        assertTrue(f.outputSingle(false, x).equalsWithEps(g.outputSingle(false, x), 1e-5));
        assertEquals(params, g.params(), "the input network is unchanged");
        long left = java.util.Arrays.stream(f.getLayers())
                .filter(l -> l.conf().getLayer() instanceof BatchNormalization).count();
        if (arch == Architecture.LENET) {
            assertEquals(0, norms);
        } else {
            assertTrue(norms > 0 && left < norms, arch + ": " + left + " of " + norms + " batch norms left");
        }
    }
}
