package org.pocketflow.bench;

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
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.model.ModelFiles;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.train.ImageSetEpochs;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * Trains the network of the concat issue, a DL4J graph the zoo has never seen, and saves it as a
 * model zip for {@code LearnerFiguresBench}: stem conv (32) → branches b1 (1x1, 12) and b2 (3x3,
 * 20) → MergeVertex "cat" (32) → "add" = cat + stem (ElementWiseVertex Add) → depthwise 3x3
 * stride 2 → batch norm → 1x1 conv "pw" (24) → global average pooling → softmax.
 *
 * <p>Run: {@code bench/bin/run ConcatNetworkBench OUT_ZIP [epochs]} (default 2 epochs, batch 64,
 * lr 0.05 cosine, on the same 90% training split as {@code LearnerFiguresBench}, seed 42).
 * Prints the test accuracy and the channel groups; asserts nothing.
 */
public final class ConcatNetworkBench {
    private static final long SEED = 42;

    private ConcatNetworkBench() {
    }

    public static void main(String[] args) {
        String out = args[0];
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Backend.configure(true);
        IdxDataset data = IdxDataset.open(IdxDataset.DEFAULT_URI);
        ImageSet train = data.train().split(0.1, SEED).train();
        Normalizer norm = Normalizer.fit(train);
        TrainingSpec spec = new TrainingSpec(epochs, 64, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, SEED, 200);
        ComputationGraph graph = Trainer.withOptimizer(build(), spec, train.batchCount(64));
        long t0 = System.nanoTime();
        new Trainer(spec, System.out::println).fit(graph, new ImageSetEpochs(train, norm, 64, SEED));
        double acc = Evaluator.evaluate(graph, data.test().batchesInOrder(500, norm)).accuracy();
        ModelFiles.save(graph, out.contains(":") ? out : "file://" + new java.io.File(out).getAbsolutePath());
        ModelInfo info = ModelInfo.of(graph, data.shape());
        System.out.printf("trained %d epoch(s) in %.0f s: test accuracy %.4f, %d multiply-adds, %d parameters; saved %s%n",
                epochs, (System.nanoTime() - t0) / 1e9, acc, info.totalMacs(), info.totalParameters(), out);
        info.groups().forEach(g -> System.out.printf("  group %d %-8s %2d channels, producers %s, %s%n", g.id(),
                g.name(), g.channels(), g.producers(), g.prunable() ? "prunable" : "whole: " + g.block().describe()));
    }

    private static ComputationGraph build() {
        GraphBuilder g = new NeuralNetConfiguration.Builder().seed(SEED).weightInit(WeightInit.RELU)
                .updater(new Nesterovs(0.05, 0.9)).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("input");
        conv(g, "stem", "input", 32, 3);
        g.addLayer("stem_bn", new BatchNormalization.Builder().build(), "stem");
        g.addLayer("stem_relu", relu(), "stem_bn");
        conv(g, "b1", "stem_relu", 12, 1);
        conv(g, "b2", "stem_relu", 20, 3);
        g.addVertex("cat", new MergeVertex(), "b1", "b2");
        g.addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "cat", "stem_relu");
        g.addLayer("add_relu", relu(), "add");
        g.addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).stride(2, 2).depthMultiplier(1)
                .activation(Activation.IDENTITY).build(), "add_relu");
        g.addLayer("dw_bn", new BatchNormalization.Builder().build(), "dw");
        g.addLayer("dw_relu", relu(), "dw_bn");
        conv(g, "pw", "dw_relu", 24, 1);
        g.addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "pw")
                .addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "gap")
                .setOutputs("output")
                .setInputTypes(InputType.convolutional(28, 28, 1));
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    private static void conv(GraphBuilder g, String name, String in, int channels, int kernel) {
        g.addLayer(name, new ConvolutionLayer.Builder(kernel, kernel).nOut(channels).activation(Activation.RELU)
                .build(), in);
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }
}
