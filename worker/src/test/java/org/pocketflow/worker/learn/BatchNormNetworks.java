package org.pocketflow.worker.learn;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** A small network with batch norms, as a user would build it, for the tests of batch-norm re-estimation (worker and driver). */
public final class BatchNormNetworks {
    private BatchNormNetworks() {
    }

    /**
     * A small residual network with batch norms: stem conv/bn/relu, a block of two conv/bn whose sum
     * with the stem's output is activated, a strided conv/bn/relu, global pooling, a dense layer with
     * dropout on its input followed by a batch norm, softmax output.
     */
    public static ComputationGraph residual(long seed) {
        var b = new NeuralNetConfiguration.Builder().seed(seed).convolutionMode(ConvolutionMode.Same).graphBuilder()
                .addInputs("input")
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(16).activation(Activation.IDENTITY).build(),
                        "input")
                .addLayer("stem_bn", new BatchNormalization.Builder().build(), "stem")
                .addLayer("stem_relu", new ActivationLayer(Activation.RELU), "stem_bn")
                .addLayer("a", new ConvolutionLayer.Builder(3, 3).nOut(16).activation(Activation.IDENTITY).build(),
                        "stem_relu")
                .addLayer("a_bn", new BatchNormalization.Builder().build(), "a")
                .addLayer("a_relu", new ActivationLayer(Activation.RELU), "a_bn")
                .addLayer("b", new ConvolutionLayer.Builder(3, 3).nOut(16).activation(Activation.IDENTITY).build(),
                        "a_relu")
                .addLayer("b_bn", new BatchNormalization.Builder().build(), "b")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "b_bn", "stem_relu")
                .addLayer("sum_relu", new ActivationLayer(Activation.RELU), "sum")
                .addLayer("pool", new SubsamplingLayer.Builder(2, 2).stride(2, 2).build(), "sum_relu")
                .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(32).activation(Activation.IDENTITY).build(),
                        "pool")
                .addLayer("c_bn", new BatchNormalization.Builder().build(), "c")
                .addLayer("c_relu", new ActivationLayer(Activation.RELU), "c_bn")
                .addLayer("gap", new GlobalPoolingLayer(), "c_relu")
                .addLayer("fc", new DenseLayer.Builder().nOut(32).activation(Activation.IDENTITY).dropOut(0.5).build(),
                        "gap")
                .addLayer("fc_bn", new BatchNormalization.Builder().build(), "fc")
                .addLayer("fc_relu", new ActivationLayer(Activation.RELU), "fc_bn")
                .addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "fc_relu")
                .setOutputs("output")
                .setInputTypes(InputType.convolutional(28, 28, 1));
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        return g;
    }

}
