package org.pocketflow.worker.model;

import org.pocketflow.worker.data.ImageShape;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
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

/**
 * ResNet-20 in the CIFAR form of He et al. 2016 (section 4.2): a 3x3 stem of 16 channels, three
 * stages of three basic blocks with 16, 32 and 64 channels (the second and third stage halve the
 * resolution), global average pooling and a softmax classifier. Blocks that change the shape use
 * a 1x1 projection shortcut (option B) so every stage is a channel dependency group.
 */
public final class ResNet20Factory implements ModelFactory {
    private static final int[] STAGE_CHANNELS = {16, 32, 64};
    private static final int BLOCKS_PER_STAGE = 3;

    @Override
    public String name() {
        return "resnet20";
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
        String x = convBn(g, "stem", INPUT, STAGE_CHANNELS[0], 3, 1, true);
        int inChannels = STAGE_CHANNELS[0];
        for (int s = 0; s < STAGE_CHANNELS.length; s++) {
            for (int b = 0; b < BLOCKS_PER_STAGE; b++) {
                int stride = (s > 0 && b == 0) ? 2 : 1;
                x = basicBlock(g, "s" + (s + 1) + "b" + (b + 1), x, inChannels, STAGE_CHANNELS[s], stride);
                inChannels = STAGE_CHANNELS[s];
            }
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

    private static String basicBlock(GraphBuilder g, String name, String in, int cin, int cout, int stride) {
        String a = convBn(g, name + "_a", in, cout, 3, stride, true);
        String b = convBn(g, name + "_b", a, cout, 3, 1, false);
        String shortcut = in;
        if (stride != 1 || cin != cout) {
            shortcut = convBn(g, name + "_proj", in, cout, 1, stride, false);
        }
        g.addVertex(name + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), b, shortcut);
        g.addLayer(name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_add");
        return name + "_relu";
    }

    /** conv (no bias) → batch norm [→ ReLU]; returns the name of the last vertex. */
    static String convBn(GraphBuilder g, String name, String in, int channels, int kernel, int stride, boolean relu) {
        g.addLayer(name + "_conv", new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride)
                .nOut(channels).hasBias(false).activation(Activation.IDENTITY).build(), in);
        g.addLayer(name + "_bn", new BatchNormalization.Builder().build(), name + "_conv");
        if (!relu) {
            return name + "_bn";
        }
        g.addLayer(name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_bn");
        return name + "_relu";
    }
}
