package org.pocketflow.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;

/** {@link DenseReluBackprop} against DL4J's dense layer: the same training, bit for bit, on the layers it covers only. */
class DenseReluBackpropTest {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    @BeforeAll
    static void onednn() {
        assertTrue(Backend.configure(true));
    }

    @Test
    void lenetTrainsExactlyAsWithDl4jsDenseLayer() {
        TrainingSpec spec = new TrainingSpec(1, 32, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        ComputationGraph mine = Trainer.withOptimizer(Architecture.LENET.factory().create(MNIST, 10, 5), spec, 10);
        assertTrue(mine.getLayer("fc1") instanceof DenseReluBackprop, "the trainer installs it on fc1");
        assertTrue(java.util.Arrays.stream(mine.getLayers()).anyMatch(l -> l == mine.getLayer("fc1")),
                "the graph's layer list has it too (the updater is built from it)");
        DenseReluBackprop fc1 = (DenseReluBackprop) mine.getLayer("fc1");
        INDArray out = fc1.activate(Nd4j.randn(DataType.FLOAT, 4, 800), true, LayerWorkspaceMgr.noWorkspaces());
        assertTrue(out == fc1.preOutputWithPreNorm(true, true, LayerWorkspaceMgr.noWorkspaces()).getFirst(),
                "backprop is handed the forward output, not a second matrix product");
        fc1.clear();
        ComputationGraph stock = new ComputationGraph(mine.getConfiguration().clone());
        stock.init(mine.params().dup(), false);
        Trainer.keepForwardResults(stock);
        BatchNormBackprop.install(stock);
        BatchNormForward.install(stock);
        InputConvBackprop.install(stock);
        ReluBackprop.install(stock);
        SoftmaxScoreOnce.install(stock);
        assertFalse(DenseReluBackprop.usedBy(stock));
        for (DataSet b : batches(10, 32, 3, 1, 28, 28)) {
            mine.fit(b);
            stock.fit(b);
        }
        assertEquals(0, stock.params().neq(mine.params()).castTo(DataType.INT).sumNumber().intValue(), "parameters");
        assertEquals(0, stock.getUpdater().getStateViewArray().neq(mine.getUpdater().getStateViewArray())
                .castTo(DataType.INT).sumNumber().intValue(), "momentum");
        assertEquals(stock.score(), mine.score());

        ComputationGraph copy = new ComputationGraph(mine.getConfiguration().clone());
        copy.init(mine.params(), false);
        Trainer.useFasterBackpropAs(mine, copy);
        assertTrue(copy.getLayer("fc1") instanceof DenseReluBackprop, "a replica copy gets it");
    }

    @Test
    void coversReluDenseLayersWhoseOutputNoDropoutChangesAndLeavesTheConfigurationAlone() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Nesterovs(0.05, 0.9))
                .graphBuilder().addInputs("in")
                .addLayer("relu", new DenseLayer.Builder().nIn(20).nOut(16).activation(Activation.RELU).build(), "in")
                .addLayer("tanh", new DenseLayer.Builder().nIn(16).nOut(16).activation(Activation.TANH).build(), "relu")
                .addLayer("beforeDropout", new DenseLayer.Builder().nIn(16).nOut(16).activation(Activation.RELU).build(),
                        "tanh")
                .addLayer("dropout", new DenseLayer.Builder().nIn(16).nOut(16).activation(Activation.RELU).dropOut(0.5)
                        .build(), "beforeDropout")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "dropout")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        String json = g.getConfiguration().toJson();
        assertEquals(1, DenseReluBackprop.install(g), "only the ReLU layer that feeds a layer without dropout");
        assertTrue(g.getLayer("relu") instanceof DenseReluBackprop);
        for (String other : List.of("tanh", "beforeDropout", "dropout")) {
            assertEquals(org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer.class, g.getLayer(other).getClass(), other);
        }
        assertEquals(json, g.getConfiguration().toJson(), "the graph's configuration (what is saved) is unchanged");
        assertEquals(1, DenseReluBackprop.install(g), "installing twice changes nothing");
    }

    @Test
    void aDenseNetworkWithOtherActivationsTrainsAsBefore() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(2).updater(new Nesterovs(0.05, 0.9))
                .graphBuilder().addInputs("in")
                .addLayer("relu", new DenseLayer.Builder().nIn(20).nOut(32).activation(Activation.RELU).build(), "in")
                .addLayer("tanh", new DenseLayer.Builder().nIn(32).nOut(16).activation(Activation.TANH).build(), "relu")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "tanh")
                .setOutputs("out").build();
        ComputationGraph mine = new ComputationGraph(conf.clone());
        mine.init();
        ComputationGraph stock = new ComputationGraph(conf.clone());
        stock.init(mine.params().dup(), false);
        assertEquals(1, DenseReluBackprop.install(mine));
        for (DataSet b : batches(8, 16, 5, 20)) {
            mine.fit(b);
            stock.fit(b);
        }
        assertEquals(0, stock.params().neq(mine.params()).castTo(DataType.INT).sumNumber().intValue(), "parameters");
    }

    private static List<DataSet> batches(int count, int size, long seed, long... featureShape) {
        Random rnd = new Random(seed);
        Nd4j.getRandom().setSeed(seed);
        int classes = featureShape.length == 1 ? 4 : 10;
        long[] shape = new long[featureShape.length + 1];
        shape[0] = size;
        System.arraycopy(featureShape, 0, shape, 1, featureShape.length);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            INDArray f = Nd4j.randn(DataType.FLOAT, shape);
            INDArray l = Nd4j.zeros(DataType.FLOAT, size, classes);
            for (int i = 0; i < size; i++) {
                l.putScalar(i, rnd.nextInt(classes), 1f);
            }
            out.add(new DataSet(f, l));
        }
        return out;
    }
}
