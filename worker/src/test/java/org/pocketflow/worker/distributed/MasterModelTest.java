package org.pocketflow.worker.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.BitSet;
import java.util.Random;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pocketflow.qsgd.ps.optim.Optimizer;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.UpdaterPositions;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * The server's optimizer against DL4J's updater on every trainable layer type of the zoo and of
 * users' models (convolution, depthwise and separable convolution with and without bias, batch
 * norm, dense, output): the worker's gradient stepped by {@link MasterModel#optimizer} gives the
 * parameters {@code graph.fit} gives, bit for bit, step after step (momentum and weight decay on).
 */
class MasterModelTest {
    private static final int BATCH = 8;

    @Test
    void theServersStepEqualsDl4jsOnEveryLayerType() {
        TrainingSpec spec = new TrainingSpec(1, BATCH, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, 11, 1000);
        long steps = 4;
        ComputationGraph local = Trainer.withOptimizer(network(), spec, steps);
        ComputationGraph server = Trainer.withOptimizer(network(), spec, steps);
        Optimizer optimizer = MasterModel.optimizer(server, spec, steps);
        BitSet direct = UpdaterPositions.updatedDirectly(server);
        assertFalse(direct.isEmpty(), "batch norm's running statistics are updated directly");
        Random random = new Random(5);
        for (int step = 0; step < steps; step++) {
            INDArray features = Nd4j.rand(new int[] {BATCH, 3, 12, 12});
            INDArray labels = Nd4j.zeros(BATCH, 4);
            for (int i = 0; i < BATCH; i++) {
                labels.putScalar(i, random.nextInt(4), 1);
            }
            local.fit(new DataSet(features, labels));

            server.setInputs(features);
            server.setLabels(labels);
            server.computeGradientAndScore();
            float[] g = server.getFlattenedGradients().toFloatVector();
            for (int i = 0; i < g.length; i++) {
                if (!direct.get(i)) {
                    g[i] /= BATCH;
                }
            }
            float[] params = server.params().toFloatVector();
            optimizer.apply(step, params, g);
            server.params().assign(Nd4j.createFromArray(params).reshape(server.params().shape()));

            assertArrayEquals(local.params().toFloatVector(), params, 0f, "step " + step);
        }
    }

    /** Every trainable layer type the zoo and the model importers produce, small. */
    private static ComputationGraph network() {
        var g = new NeuralNetConfiguration.Builder().seed(3).updater(new Nesterovs(0.1, 0.9))
                .convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(12, 12, 3));
        g.addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(8).activation(Activation.IDENTITY).build(), "in");
        g.addLayer("bn", new BatchNormalization.Builder().activation(Activation.RELU).build(), "conv");
        g.addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2).hasBias(true)
                .activation(Activation.RELU).build(), "bn");
        g.addLayer("dw_nobias", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(1).stride(2, 2).hasBias(false)
                .activation(Activation.IDENTITY).build(), "dw");
        g.addLayer("sep", new SeparableConvolution2D.Builder(3, 3).nOut(12).depthMultiplier(2).hasBias(true)
                .activation(Activation.RELU).build(), "dw_nobias");
        g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "sep");
        g.addLayer("dense", new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build(), "gap");
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                .activation(Activation.SOFTMAX).build(), "dense");
        g.setOutputs("out");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }
}
