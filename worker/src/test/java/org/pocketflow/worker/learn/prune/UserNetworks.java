package org.pocketflow.worker.learn.prune;

import java.util.SplittableRandom;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Networks the zoo has never seen, as users hand them in: concatenations (inception branches),
 * residual additions across a concatenation, depthwise-separable blocks, and vertices channel
 * surgery cannot follow. All read 1x28x28 images and end in global average pooling and a
 * 10-class softmax.
 */
final class UserNetworks {
    private UserNetworks() {
    }

    /** The networks whose every group but the output can be pruned. */
    enum Kind {
        /**
         * The network: stem conv (32) → branches b1 (1x1, 12) and b2 (3x3, 20) → concat
         * "cat" (32) → "add" = cat + stem → depthwise 3x3 → batch norm → 1x1 conv "pw" (24).
         */
        INCEPTION_RESIDUAL,
        /** Branches of 12 and 20 channels concatenated straight into a depthwise convolution, then a 1x1 conv. */
        CONCAT_DEPTHWISE,
        /** Three branches (8, 12, 16) concatenated, batch norm, added to a 36-channel conv, then a 1x1 conv. */
        THREE_BRANCHES
    }

    /** The network of {@code kind}, trained a few steps on generated data, batch norms with non-trivial statistics. */
    static ComputationGraph create(Kind kind, long seed) {
        GraphBuilder g = start(seed);
        conv(g, "stem", "input", kind == Kind.THREE_BRANCHES ? 36 : 32, 3);
        g.addLayer("stem_bn", new BatchNormalization.Builder().build(), "stem");
        g.addLayer("stem_relu", relu(), "stem_bn");
        String x = switch (kind) {
            case INCEPTION_RESIDUAL -> {
                conv(g, "b1", "stem_relu", 12, 1);
                conv(g, "b2", "stem_relu", 20, 3);
                g.addVertex("cat", new MergeVertex(), "b1", "b2");
                g.addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "cat", "stem_relu");
                g.addLayer("add_relu", relu(), "add");
                yield separable(g, "add_relu");
            }
            case CONCAT_DEPTHWISE -> {
                conv(g, "b1", "stem_relu", 12, 1);
                conv(g, "b2", "stem_relu", 20, 3);
                g.addVertex("cat", new MergeVertex(), "b1", "b2");
                yield separable(g, "cat");
            }
            case THREE_BRANCHES -> {
                conv(g, "b1", "stem_relu", 8, 1);
                conv(g, "b2", "stem_relu", 12, 3);
                conv(g, "b3", "stem_relu", 16, 5);
                g.addVertex("cat", new MergeVertex(), "b1", "b2", "b3");
                g.addLayer("cat_bn", new BatchNormalization.Builder().build(), "cat");
                g.addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "cat_bn", "stem_relu");
                conv(g, "pw", "add", 24, 1);
                yield "pw";
            }
        };
        return finish(g, x, seed);
    }

    /**
     * The concat and residual add, a 1x1 conv "pw" (24), global pooling, then a {@code
     * SubsetVertex} "sub" taking features 0..15 into a dense layer "fc" (16) before the output: pw's
     * channels cannot be pruned (the subset picks some of them); b1's, b2's and fc's can.
     */
    static ComputationGraph withSubset(long seed) {
        GraphBuilder g = start(seed);
        conv(g, "stem", "input", 32, 3);
        conv(g, "b1", "stem", 12, 1);
        conv(g, "b2", "stem", 20, 3);
        g.addVertex("cat", new MergeVertex(), "b1", "b2");
        g.addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "cat", "stem");
        conv(g, "pw", "add", 24, 1);
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "pw");
        g.addVertex("sub", new SubsetVertex(0, 15), "pool");
        g.addLayer("fc", new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build(), "sub");
        return finish(g, "fc", seed);
    }

    /**
     * A plain chain stem (32) → local response normalisation "lrn" (a layer channel surgery does
     * not know: it mixes neighbouring channels) → conv "c2" (32) → conv "c3" (24): the stem's
     * group is left whole; c2's and c3's can be pruned.
     */
    static ComputationGraph withUnknownLayer(long seed) {
        GraphBuilder g = start(seed);
        conv(g, "stem", "input", 32, 3);
        g.addLayer("lrn", new LocalResponseNormalization.Builder().build(), "stem");
        conv(g, "c2", "lrn", 32, 3);
        conv(g, "c3", "c2", 24, 1);
        return finish(g, "c3", seed);
    }

    private static GraphBuilder start(long seed) {
        return new NeuralNetConfiguration.Builder().seed(seed).weightInit(WeightInit.RELU)
                .updater(new Nesterovs(0.05, 0.9)).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("input");
    }

    private static void conv(GraphBuilder g, String name, String in, int channels, int kernel) {
        g.addLayer(name, new ConvolutionLayer.Builder(kernel, kernel).nOut(channels).activation(Activation.RELU)
                .build(), in);
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }

    /** Depthwise 3x3 stride 2 → batch norm → ReLU → 1x1 conv "pw" (24); returns "pw". */
    private static String separable(GraphBuilder g, String in) {
        g.addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).stride(2, 2).depthMultiplier(1)
                .activation(Activation.IDENTITY).build(), in);
        g.addLayer("dw_bn", new BatchNormalization.Builder().build(), "dw");
        g.addLayer("dw_relu", relu(), "dw_bn");
        conv(g, "pw", "dw_relu", 24, 1);
        return "pw";
    }

    private static ComputationGraph finish(GraphBuilder g, String x, long seed) {
        String features = x;
        if (!"fc".equals(x)) {
            g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
            features = "gap";
        }
        g.addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), features)
                .setOutputs("output")
                .setInputTypes(InputType.convolutional(28, 28, 1));
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        train(graph, 3, seed);
        return graph;
    }

    /** A few steps on noise images with random labels, then random batch-norm gamma, beta and statistics. */
    static void train(ComputationGraph graph, int steps, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int s = 0; s < steps; s++) {
            var labels = Nd4j.zeros(16, 10);
            for (int i = 0; i < 16; i++) {
                labels.putScalar(i, rnd.nextInt(10), 1);
            }
            graph.fit(new DataSet(Networks.input(16, seed + s), labels));
        }
        Networks.randomBatchNorms(graph, rnd);
    }
}
