package org.pocketflow.worker.learn.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.export.PackedModel;
import org.pocketflow.worker.export.PackedModelFile;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.Compression;
import org.pocketflow.worker.model.Architecture;

class QuantizedActivationsTest {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    @ParameterizedTest
    @EnumSource(value = Architecture.class, names = {"LENET", "RESNET20"})
    void reluOutputsTakeAtMostTwoToTheBitsValuesAndSurviveSaving(Architecture arch) throws Exception {
        ComputationGraph g = arch.factory().create(MNIST, 10, 2);
        Nd4j.getRandom().setSeed(5);
        INDArray calib = Nd4j.randn(DataType.FLOAT, 32, 1, 28, 28);
        UniformQuantLearner l = new UniformQuantLearner(2, 8, 3, calib);
        Compression c = l.compress(g, MNIST, Map.of(), Budget.bits(8));
        ComputationGraph q = c.graph();
        c.hook().finish(q);
        int quantized = 0;
        Map<String, INDArray> acts = q.feedForward(Nd4j.randn(DataType.FLOAT, 8, 1, 28, 28), false);
        for (var layer : q.getLayers()) {
            var conf = layer.conf().getLayer();
            var fn = conf instanceof ActivationLayer a ? a.getActivationFn()
                    : conf instanceof org.deeplearning4j.nn.conf.layers.BaseLayer b ? b.getActivationFn() : null;
            if (fn instanceof QuantizedReLU qr) {
                quantized++;
                Set<Float> values = new HashSet<>();
                for (float v : acts.get(conf.getLayerName()).dup().data().asFloat()) {
                    values.add(v);
                }
                assertTrue(values.size() <= 8, conf.getLayerName() + ": " + values.size() + " distinct values");
                assertTrue(qr.clip() > 0);
            }
        }
        assertTrue(quantized >= (arch == Architecture.LENET ? 3 : 19), "quantized ReLUs: " + quantized);
        // the original network keeps plain ReLUs
        assertTrue(g.getConfiguration().toJson().contains("ActivationReLU"));
        assertTrue(!g.getConfiguration().toJson().contains("QuantizedReLU"));

        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 1, 28, 28);
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ModelSerializer.writeModel(q, zip, false);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(zip.toByteArray()), false);
        assertEquals(q.outputSingle(false, x), back.outputSingle(false, x));
        PackedModel packed = PackedModel.of(q, c.encodings(q), Map.of());
        ComputationGraph unpacked = PackedModelFile.fromBytes(PackedModelFile.toBytes(packed), "m").toGraph();
        assertArrayEquals(q.outputSingle(false, x).data().asFloat(), unpacked.outputSingle(false, x).data().asFloat(),
                1e-6f);
    }

    @org.junit.jupiter.api.Test
    void badActivationSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new UniformQuantLearner(2, 8, 4, null));
        assertThrows(IllegalArgumentException.class, () -> new UniformQuantLearner(2, 8, 17, Nd4j.zeros(1)));
        assertThrows(IllegalArgumentException.class, () -> new QuantizedReLU(4, 0));
    }
}
