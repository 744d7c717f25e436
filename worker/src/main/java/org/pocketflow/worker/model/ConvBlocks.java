package org.pocketflow.worker.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pocketflow.worker.data.ImageShape;

/** Building blocks shared by the batch-normalised zoo networks (ResNet, MobileNet). */
final class ConvBlocks {
    private ConvBlocks() {
    }

    /** A graph builder with "same" padding, He initialisation and the input vertex added. */
    static GraphBuilder start(long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .weightInit(WeightInit.RELU)
                .updater(new Nesterovs(0.1, 0.9))
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs(ModelFactory.INPUT);
    }

    /** conv (no bias) → batch norm [→ ReLU]; returns the name of the last vertex. */
    static String convBn(GraphBuilder g, String name, String in, int channels, int kernel, int stride, boolean relu) {
        g.addLayer(name + "_conv", new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride)
                .nOut(channels).hasBias(false).activation(Activation.IDENTITY).build(), in);
        return bnRelu(g, name, name + "_conv", relu);
    }

    /** batch norm [→ ReLU] after {@code in}, named {@code name_bn} / {@code name_relu}. */
    static String bnRelu(GraphBuilder g, String name, String in, boolean relu) {
        g.addLayer(name + "_bn", new BatchNormalization.Builder().build(), in);
        if (!relu) {
            return name + "_bn";
        }
        g.addLayer(name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_bn");
        return name + "_relu";
    }

    /** Global average pooling and the softmax classifier after {@code x}; builds and initialises. */
    static ComputationGraph headAndBuild(GraphBuilder g, String x, ImageShape shape, int classes) {
        g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x)
                .addLayer(ModelFactory.OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(classes).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "gap")
                .setOutputs(ModelFactory.OUTPUT)
                .setInputTypes(ModelFactory.inputType(shape));
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }
}
