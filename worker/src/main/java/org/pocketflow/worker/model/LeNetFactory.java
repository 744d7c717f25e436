package org.pocketflow.worker.model;

import org.pocketflow.worker.data.ImageShape;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * LeNet-5 as in Caffe's MNIST example: conv 5x5x20, max-pool 2x2, conv 5x5x50, max-pool 2x2,
 * dense 500 (ReLU), softmax. For 28x28x1 input: 431,080 parameters, 2.293 M multiply-adds.
 */
public final class LeNetFactory implements ModelFactory {
    @Override
    public String name() {
        return "lenet";
    }

    @Override
    public ComputationGraph create(ImageShape shape, int classes, long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .weightInit(WeightInit.RELU)
                .updater(new Nesterovs(0.01, 0.9))
                .graphBuilder()
                .addInputs(INPUT)
                .addLayer("conv1", new ConvolutionLayer.Builder(5, 5).nOut(20)
                        .activation(Activation.RELU).build(), INPUT)
                .addLayer("pool1", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(2, 2).stride(2, 2).build(), "conv1")
                .addLayer("conv2", new ConvolutionLayer.Builder(5, 5).nOut(50)
                        .activation(Activation.RELU).build(), "pool1")
                .addLayer("pool2", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(2, 2).stride(2, 2).build(), "conv2")
                .addLayer("fc1", new DenseLayer.Builder().nOut(500).activation(Activation.RELU).build(),
                        "pool2")
                .addLayer(OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(classes).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(),
                        "fc1")
                .setOutputs(OUTPUT)
                .setInputTypes(ModelFactory.inputType(shape))
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }
}
