package org.pocketflow.worker.model;

import org.pocketflow.worker.data.ImageShape;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A MobileNet-v1-style network (Howard et al. 2017) sized for 28x28 input: a 3x3 stem of 32
 * channels, five depthwise-separable blocks (3x3 depthwise conv + BN + ReLU, then 1x1 pointwise
 * conv + BN + ReLU) with 64, 128, 128, 256, 256 channels, strides 1, 2, 1, 2, 1, global average
 * pooling and a softmax classifier. Each depthwise conv ties its channels to the pointwise conv
 * before it, which is what makes depthwise networks harder to prune.
 */
public final class MobileNetFactory implements ModelFactory {
    private static final int[] CHANNELS = {64, 128, 128, 256, 256};
    private static final int[] STRIDES = {1, 2, 1, 2, 1};
    private static final int STEM_CHANNELS = 32;

    @Override
    public String name() {
        return "mobilenet";
    }

    @Override
    public ComputationGraph create(ImageShape shape, int classes, long seed) {
        GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .weightInit(WeightInit.RELU)
                .updater(new Nesterovs(0.1, 0.9))
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs(INPUT);
        String x = ResNet20Factory.convBn(g, "stem", INPUT, STEM_CHANNELS, 3, 1, true);
        for (int i = 0; i < CHANNELS.length; i++) {
            String name = "b" + (i + 1);
            g.addLayer(name + "_dw", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(1)
                    .stride(STRIDES[i], STRIDES[i]).hasBias(false).activation(Activation.IDENTITY).build(), x);
            g.addLayer(name + "_dw_bn", new BatchNormalization.Builder().build(), name + "_dw");
            g.addLayer(name + "_dw_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(),
                    name + "_dw_bn");
            x = ResNet20Factory.convBn(g, name + "_pw", name + "_dw_relu", CHANNELS[i], 1, 1, true);
        }
        g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x)
                .addLayer(OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(classes).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "gap")
                .setOutputs(OUTPUT)
                .setInputTypes(ModelFactory.inputType(shape));
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }
}
