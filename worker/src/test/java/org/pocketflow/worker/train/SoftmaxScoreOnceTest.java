package org.pocketflow.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;

/** {@link SoftmaxScoreOnce} against DL4J's output layer: the same gradients bit for bit, the score to its float rounding. */
class SoftmaxScoreOnceTest {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    @BeforeAll
    static void onednn() {
        assertTrue(Backend.configure(true));
    }

    @Test
    void lenetAndResNet20GradientsAsDl4jsAndTheScoreToFloatRounding() {
        TrainingSpec spec = new TrainingSpec(1, 32, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        for (Architecture arch : List.of(Architecture.LENET, Architecture.RESNET20)) {
            ComputationGraph mine = Trainer.withOptimizer(arch.factory().create(MNIST, 10, 5), spec, 10);
            assertTrue(mine.getLayer("output") instanceof SoftmaxScoreOnce, arch + ": the trainer installs it");
            ComputationGraph stock = new ComputationGraph(mine.getConfiguration().clone());
            stock.init(mine.params().dup(), false);
            Trainer.keepForwardResults(stock);
            BatchNormBackprop.install(stock);
            BatchNormForward.install(stock);
            InputConvBackprop.install(stock);
            ReluBackprop.install(stock);
            DenseReluBackprop.install(stock);
            assertFalse(SoftmaxScoreOnce.usedBy(stock));
            Random rnd = new Random(8);
            Nd4j.getRandom().setSeed(8);
            INDArray x = Nd4j.randn(DataType.FLOAT, 16, 1, 28, 28);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 10);
            for (int i = 0; i < 16; i++) {
                y.putScalar(i, rnd.nextInt(10), 1f);
            }
            for (ComputationGraph g : List.of(mine, stock)) {
                g.setInputs(x);
                g.setLabels(y);
                g.computeGradientAndScore();
            }
            assertTrue(((SoftmaxScoreOnce) mine.getLayer("output")).lastScoreReused, arch + ": the score came from backprop");
            assertEquals(stock.score(), mine.score(), 1e-6 * stock.score(), arch + ": score");
            assertEquals(0, stock.getFlattenedGradients().neq(mine.getFlattenedGradients()).castTo(DataType.INT)
                    .sumNumber().intValue(), arch + ": gradients");
        }
        // a loss replaced after the graph is built (as distillation does) is scored by DL4J
        ComputationGraph g = Trainer.withOptimizer(Architecture.LENET.factory().create(MNIST, 10, 5), spec, 10);
        ComputationGraph ref = new ComputationGraph(g.getConfiguration().clone());
        ref.init(g.params().dup(), false);
        for (ComputationGraph n : List.of(g, ref)) {
            ((org.deeplearning4j.nn.conf.layers.BaseOutputLayer) n.getLayer("output").conf().getLayer())
                    .setLossFn(new org.nd4j.linalg.lossfunctions.impl.LossMSE());
            n.setInputs(Nd4j.randn(DataType.FLOAT, 8, 1, 28, 28));
        }
        ref.setInputs(g.getInputs());
        INDArray labels = Nd4j.rand(DataType.FLOAT, 8, 10);
        for (ComputationGraph n : List.of(g, ref)) {
            n.setLabels(labels);
            n.computeGradientAndScore();
        }
        assertFalse(((SoftmaxScoreOnce) g.getLayer("output")).lastScoreReused);
        assertEquals(ref.score(), g.score(), 1e-6 * ref.score(), "MSE, scored by DL4J");
        assertEquals(1.0 * Math.log(1 / 0.5) + 1.0 * Math.log(1 + Math.exp(-3)),
                SoftmaxScoreOnce.crossEntropy(new float[] {1, 1, 3, 0}, new float[] {1, 0, 1, 0}, 2, 1e-10), 1e-12);
    }

    @Test
    void coversSoftmaxCrossEntropyOnlyAndLeavesTheConfigurationAlone() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Nesterovs(0.05, 0.9))
                .graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(8).nOut(8).activation(Activation.RELU).build(), "in")
                .addLayer("xent", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .addLayer("mse", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(8).nOut(2)
                        .activation(Activation.IDENTITY).build(), "hidden")
                .setOutputs("xent", "mse").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        String json = g.getConfiguration().toJson();
        assertEquals(1, SoftmaxScoreOnce.install(g));
        assertTrue(g.getLayer("xent") instanceof SoftmaxScoreOnce);
        assertEquals(org.deeplearning4j.nn.layers.OutputLayer.class, g.getLayer("mse").getClass());
        assertEquals(json, g.getConfiguration().toJson(), "the graph's configuration (what is saved) is unchanged");
    }
}
