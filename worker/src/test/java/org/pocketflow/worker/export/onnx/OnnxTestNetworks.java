package org.pocketflow.worker.export.onnx;

import java.util.Map;
import java.util.SplittableRandom;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.ImageShape;

/** Networks and images shared by the ONNX tests (and the ONNX bench, through worker's test jar). */
public final class OnnxTestNetworks {
    static final ImageShape MNIST = new ImageShape(1, 28, 28);

    private OnnxTestNetworks() {
    }

    /**
     * An inception-style network: a stem, a concat of a 12- and a 20-channel branch, a residual
     * add of a 32-channel projection of the stem across the concat, a depthwise-separable block
     * (3x3 depthwise, 1x1 pointwise to 48) and global average pooling.
     */
    static ComputationGraph concatNet(long seed) {
        return concatNet(MNIST, 10, seed);
    }

    /** {@link #concatNet(long)} for images of {@code shape} and {@code classes} classes. */
    public static ComputationGraph concatNet(ImageShape shape, int classes, long seed) {
        GraphBuilder g = new NeuralNetConfiguration.Builder().seed(seed).weightInit(WeightInit.RELU)
                .updater(new Nesterovs(0.05, 0.9)).convolutionMode(ConvolutionMode.Same).graphBuilder()
                .addInputs("input");
        convBn(g, "stem", "input", 16, 3, 2);
        convBn(g, "branch_a", "stem_relu", 12, 1, 1);
        convBn(g, "branch_b", "stem_relu", 20, 3, 1);
        g.addVertex("concat", new MergeVertex(), "branch_a_relu", "branch_b_relu");
        g.addLayer("proj_conv", new ConvolutionLayer.Builder(1, 1).nOut(32).hasBias(false)
                .activation(Activation.IDENTITY).build(), "stem_relu");
        g.addLayer("proj_bn", new BatchNormalization.Builder().build(), "proj_conv");
        g.addVertex("residual", new ElementWiseVertex(ElementWiseVertex.Op.Add), "concat", "proj_bn");
        g.addLayer("residual_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "residual");
        g.addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(1).stride(2, 2).hasBias(false)
                .activation(Activation.IDENTITY).build(), "residual_relu");
        g.addLayer("dw_bn", new BatchNormalization.Builder().build(), "dw");
        g.addLayer("dw_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "dw_bn");
        convBn(g, "pw", "dw_relu", 48, 1, 1);
        g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "pw_relu")
                .addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "gap")
                .setOutputs("output")
                .setInputTypes(InputType.convolutional(shape.height(), shape.width(), shape.channels()));
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    private static void convBn(GraphBuilder g, String name, String in, int channels, int kernel, int stride) {
        g.addLayer(name + "_conv", new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(channels)
                .hasBias(false).activation(Activation.IDENTITY).build(), in);
        g.addLayer(name + "_bn", new BatchNormalization.Builder().build(), name + "_conv");
        g.addLayer(name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_bn");
    }

    /** Gives every batch norm of {@code graph} non-trivial running statistics, gamma and beta. */
    static ComputationGraph randomiseBatchNorms(ComputationGraph graph, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (Layer layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof BatchNormalization) {
                for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                    INDArray v = p.getValue();
                    for (long i = 0; i < v.length(); i++) {
                        double u = rnd.nextDouble(-1, 1);
                        v.putScalar(i, switch (p.getKey()) {
                            case "gamma", "var" -> 1 + 0.5 * u;
                            case "log10stdev" -> 0.15 * u;
                            default -> 0.3 * u;
                        });
                    }
                }
            }
        }
        return graph;
    }

    /** {@code n} images of random pixels with random labels: blobs on noise, so activations vary. */
    static ImageSet randomImages(ImageShape shape, int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] pixels = new byte[n * shape.pixels()];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) rnd.nextInt(10);
            for (int p = 0; p < shape.pixels(); p++) {
                pixels[i * shape.pixels() + p] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt(256) : rnd.nextInt(40));
            }
        }
        return ImageSet.of(shape, 10, pixels, labels);
    }
}
