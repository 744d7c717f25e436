package org.pocketflow.worker.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pocketflow.worker.data.ImageShape;

/** Building blocks shared by the batch-normalised zoo networks (ResNet, MobileNet). */
final class ConvBlocks {
    /**
     * Smallest image side that gets an ImageNet network's down-sampling stem. Below it the stem
     * keeps the resolution (as the CIFAR forms of these networks do), so that a 28x28 or 32x32
     * image still has a spatial map in the last stage.
     */
    static final int IMAGENET_STEM_MIN_SIDE = 64;

    private ConvBlocks() {
    }

    /** Whether images of {@code shape} get the down-sampling ImageNet stem. */
    static boolean imageNetStem(ImageShape shape) {
        return Math.min(shape.height(), shape.width()) >= IMAGENET_STEM_MIN_SIDE;
    }

    /**
     * The ResNet stem: for ImageNet-sized images conv 7x7/2 → BN → ReLU → max-pool 3x3/2 (He et
     * al. 2016, table 1), for small images conv 3x3/1 → BN → ReLU.
     */
    static String resNetStem(GraphBuilder g, ImageShape shape, int channels) {
        if (!imageNetStem(shape)) {
            return convBn(g, "stem", ModelFactory.INPUT, channels, 3, 1, true);
        }
        String x = convBn(g, "stem", ModelFactory.INPUT, channels, 7, 2, true);
        g.addLayer("stem_pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(3, 3).stride(2, 2).build(), x);
        return "stem_pool";
    }

    /**
     * Stages of {@code blocksPerStage} basic blocks ({@code s1b1}, {@code s1b2}, ...), stage
     * {@code s} with {@code stageChannels[s]} channels; every stage after the first halves the
     * resolution in its first block. Returns the name of the last block's output.
     */
    static String basicStages(GraphBuilder g, String in, int[] stageChannels, int blocksPerStage) {
        String x = in;
        int inChannels = stageChannels[0];
        for (int s = 0; s < stageChannels.length; s++) {
            for (int b = 0; b < blocksPerStage; b++) {
                int stride = (s > 0 && b == 0) ? 2 : 1;
                x = basicBlock(g, "s" + (s + 1) + "b" + (b + 1), x, inChannels, stageChannels[s], stride);
                inChannels = stageChannels[s];
            }
        }
        return x;
    }

    /**
     * A basic residual block (two 3x3 convolutions) with a 1x1 projection shortcut (option B)
     * where the shape changes; returns the name of its output ReLU.
     */
    static String basicBlock(GraphBuilder g, String name, String in, int cin, int cout, int stride) {
        String a = convBn(g, name + "_a", in, cout, 3, stride, true);
        String b = convBn(g, name + "_b", a, cout, 3, 1, false);
        return residual(g, name, in, b, cin, cout, stride);
    }

    /** {@code relu(branch + shortcut)}, the shortcut projected by a strided 1x1 conv + BN where the shape changes. */
    static String residual(GraphBuilder g, String name, String in, String branch, int cin, int cout, int stride) {
        String shortcut = in;
        if (stride != 1 || cin != cout) {
            shortcut = convBn(g, name + "_proj", in, cout, 1, stride, false);
        }
        g.addVertex(name + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), branch, shortcut);
        g.addLayer(name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_add");
        return name + "_relu";
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
