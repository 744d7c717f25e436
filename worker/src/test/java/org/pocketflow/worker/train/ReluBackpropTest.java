package org.pocketflow.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;

/** {@link ReluBackprop} against ND4J's ReLU backward ({@code relu_bp}): the same values, bit for bit. */
class ReluBackpropTest {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    @BeforeAll
    static void onednn() {
        assertTrue(Backend.configure(true));
    }

    @Test
    void backwardEqualsNd4jsBitForBit() {
        for (long[] shape : new long[][]{{8, 16, 28, 28}, {5, 3, 7, 7}, {32, 500}, {3, 5000}}) {
            INDArray z = Nd4j.randn(DataType.FLOAT, shape);
            // exact zeros (a ReLU output fed on) have derivative 0, as in ND4J
            z.muli(Nd4j.rand(DataType.FLOAT, shape).gt(0.3).castTo(DataType.FLOAT));
            INDArray dy = Nd4j.randn(DataType.FLOAT, shape);
            INDArray want = new ActivationReLU().backprop(z.dup(), dy.dup()).getFirst();
            INDArray got = new ReluBackprop().backprop(z.dup(), dy.dup()).getFirst();
            assertEquals(want, got);
            assertEquals(0, want.sub(got).amaxNumber().doubleValue());
        }
        // the values where a sign test without a branch could go wrong
        INDArray special = Nd4j.createFromArray(0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1f, -1f, 1e-40f)
                .reshape(2, 6);
        INDArray grads = Nd4j.createFromArray(new float[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}).reshape(2, 6);
        assertEquals(new ActivationReLU().backprop(special.dup(), grads.dup()).getFirst(),
                new ReluBackprop().backprop(special.dup(), grads.dup()).getFirst());
        assertEquals(Nd4j.createFromArray(new float[]{0, 0, 3, 0, 5, 0, 7, 0, 0, 10, 0, 12}).reshape(2, 6),
                new ReluBackprop().backprop(special.dup(), grads.dup()).getFirst());
        // a view with gaps goes to ND4J's
        INDArray z = Nd4j.randn(DataType.FLOAT, 6, 10).get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 5));
        INDArray dy = Nd4j.randn(DataType.FLOAT, 6, 5);
        assertEquals(new ActivationReLU().backprop(z.dup(), dy.dup()).getFirst(),
                new ReluBackprop().backprop(z, dy).getFirst());
    }

    @Test
    void installsOnReluLayersOnlyAndLeavesTheSavedConfigurationAlone() {
        ComputationGraph lenet = Architecture.LENET.factory().create(MNIST, 10, 1);
        String json = lenet.getConfiguration().toJson();
        assertEquals(3, ReluBackprop.install(lenet), "conv1, conv2 and fc1; not the softmax output");
        assertEquals(3, ReluBackprop.install(lenet), "installing twice changes nothing");
        assertTrue(((BaseLayer) lenet.getLayer("conv1").conf().getLayer()).getActivationFn() instanceof ReluBackprop);
        assertFalse(((BaseLayer) lenet.getLayer("output").conf().getLayer()).getActivationFn() instanceof ReluBackprop);
        assertEquals(json, lenet.getConfiguration().toJson(), "the graph's configuration (what is saved) is unchanged");
        assertFalse(json.contains("ReluBackprop"));
        ReluBackprop.uninstall(lenet);
        assertFalse(ReluBackprop.usedBy(lenet));
        assertSame(((LayerVertex) lenet.getConfiguration().getVertices().get("conv1")).getLayerConf(),
                lenet.getLayer("conv1").conf());
        ComputationGraph resnet = Architecture.RESNET20.factory().create(MNIST, 10, 1);
        assertEquals(19, ReluBackprop.install(resnet), "the stem's and each block's two ReLU layers");
        ComputationGraph trained = Trainer.withOptimizer(Architecture.LENET.factory().create(MNIST, 10, 1),
                new TrainingSpec(1, 16, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000), 10);
        assertTrue(ReluBackprop.usedBy(trained), "the trainer installs it");
        ComputationGraph copy = new ComputationGraph(trained.getConfiguration().clone());
        copy.init(trained.params(), false);
        Trainer.useFasterBackpropAs(trained, copy);
        assertEquals(3, java.util.Arrays.stream(copy.getLayers())
                .filter(l -> l.conf().getLayer() instanceof BaseLayer b && b.getActivationFn() instanceof ReluBackprop)
                .count(), "a replica copy gets it when the network has it");
    }

    @Test
    void lenetAndResNet20TrainExactlyAsWithNd4jsRelu() {
        TrainingSpec spec = new TrainingSpec(1, 16, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        for (Architecture arch : List.of(Architecture.LENET, Architecture.RESNET20)) {
            ComputationGraph mine = Trainer.withOptimizer(arch.factory().create(MNIST, 10, 5), spec, 10);
            ComputationGraph stock = Trainer.withOptimizer(arch.factory().create(MNIST, 10, 5), spec, 10);
            ReluBackprop.uninstall(stock);
            assertTrue(ReluBackprop.usedBy(mine));
            assertFalse(ReluBackprop.usedBy(stock));
            assertEquals(stock.params(), mine.params());
            for (DataSet b : batches(arch == Architecture.LENET ? 10 : 3, 16, 9)) {
                mine.fit(b);
                stock.fit(b);
            }
            assertEquals(0, stock.params().sub(mine.params()).amaxNumber().doubleValue(), arch + ": parameters");
            assertEquals(0, stock.getUpdater().getStateViewArray().sub(mine.getUpdater().getStateViewArray())
                    .amaxNumber().doubleValue(), arch + ": momentum");
        }
    }

    /** {@code count} random batches of {@code size} 28x28 images with one-hot labels of 10 classes. */
    static List<DataSet> batches(int count, int size, long seed) {
        Random rnd = new Random(seed);
        Nd4j.getRandom().setSeed(seed);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            INDArray f = Nd4j.randn(DataType.FLOAT, size, 1, 28, 28);
            INDArray l = Nd4j.zeros(DataType.FLOAT, size, 10);
            for (int i = 0; i < size; i++) {
                l.putScalar(i, rnd.nextInt(10), 1f);
            }
            out.add(new DataSet(f, l));
        }
        return out;
    }
}
