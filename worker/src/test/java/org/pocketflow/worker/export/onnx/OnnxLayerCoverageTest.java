package org.pocketflow.worker.export.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.export.PackedModel;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.CompressedModel;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.LearnerRun;
import org.pocketflow.worker.learn.quant.UniformQuantLearner;
import org.pocketflow.worker.train.ImageSetEpochs;

/**
 * Every mapped layer, vertex, padding mode and activation, on a flat (784) input, exported with
 * 8-bit uniform weights (a depthwise multiplier of 2 and a separable convolution move the
 * quantization channel axis) and compared with DL4J; an unmapped vertex is named in the error.
 */
class OnnxLayerCoverageTest {
    private static final Normalizer NORM = new Normalizer(0.25, 0.3);

    static ComputationGraph coverageNet() {
        GraphBuilder g = new NeuralNetConfiguration.Builder().seed(3).weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Truncate).graphBuilder().addInputs("input");
        g.addLayer("conv_t", new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).nOut(8)
                .activation(Activation.RELU6).build(), "input");
        g.addLayer("zero_pad", new ZeroPaddingLayer.Builder(1, 2, 0, 1).build(), "conv_t");
        g.addLayer("conv_dilated", new ConvolutionLayer.Builder(3, 3).dilation(2, 2).nOut(8)
                .activation(new ActivationLReLU(0.1)).build(), "zero_pad");
        g.addLayer("dw", new DepthwiseConvolution2D.Builder(3, 3).depthMultiplier(2)
                .convolutionMode(ConvolutionMode.Same).activation(Activation.TANH).build(), "conv_dilated");
        g.addLayer("avg", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(3, 3).stride(2, 2).padding(1, 1)
                .build(), "dw");
        g.addLayer("sep", new SeparableConvolution2D.Builder(3, 3).nOut(12).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.SIGMOID).build(), "avg");
        g.addLayer("max", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                .convolutionMode(ConvolutionMode.Same).build(), "sep");
        g.addLayer("bn", new BatchNormalization.Builder().build(), "max");
        g.addLayer("side", new ConvolutionLayer.Builder(1, 1).nOut(12).activation(Activation.IDENTITY).build(), "max");
        g.addVertex("product", new ElementWiseVertex(ElementWiseVertex.Op.Product), "bn", "side");
        g.addVertex("average", new ElementWiseVertex(ElementWiseVertex.Op.Average), "bn", "side", "product");
        g.addVertex("maximum", new ElementWiseVertex(ElementWiseVertex.Op.Max), "bn", "side");
        g.addVertex("difference", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "average", "maximum");
        g.addVertex("merged", new MergeVertex(), "difference", "product");
        g.addLayer("gmax", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "merged");
        g.addLayer("dense", new DenseLayer.Builder().nOut(20).activation(Activation.RELU).build(), "gmax");
        g.addLayer("dropout", new DropoutLayer.Builder(0.5).build(), "dense");
        g.addLayer("bn_ff", new BatchNormalization.Builder().build(), "dropout");
        g.addLayer("output", new OutputLayer.Builder().nOut(10).activation(Activation.SOFTMAX).build(), "bn_ff")
                .setOutputs("output").setInputTypes(InputType.convolutionalFlat(28, 28, 1));
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return OnnxTestNetworks.randomiseBatchNorms(graph, 5);
    }

    @Test
    void everyMappedLayerComputesWhatDl4jComputes() {
        ComputationGraph net = coverageNet();
        var images = OnnxTestNetworks.randomImages(OnnxTestNetworks.MNIST, 64, 8);
        CompressedModel m = LearnerRun.run(new UniformQuantLearner(), net, OnnxTestNetworks.MNIST, Map.of(),
                Budget.bits(8), FineTuneSpec.none(), new ImageSetEpochs(images, NORM, 32, 1), Map.of(), s -> { });
        OnnxModel onnx = OnnxExporter.export(m.graph(), m.packed().tensors(), OnnxTestNetworks.MNIST, NORM, Map.of());
        assertEquals(2, onnx.inputShape().length, "a flat network keeps a flat input");
        assertTrue(onnx.storage().get("dw_W").startsWith("int8"), onnx.storage().toString());
        assertTrue(onnx.storage().get("sep_W").startsWith("int8"), onnx.storage().toString());
        assertTrue(onnx.storage().get("sep_pW").startsWith("int8"), onnx.storage().toString());
        assertClose(m.graph(), onnx, 1e-4);
    }

    @Test
    void floatExportOfTheSameNetworkAlsoMatches() {
        ComputationGraph net = coverageNet();
        OnnxModel onnx = OnnxExporter.export(net, PackedModel.of(net, Map.of(), Map.of()).tensors(),
                OnnxTestNetworks.MNIST, NORM, Map.of());
        assertEquals(0, onnx.int8Tensors());
        assertClose(net, onnx, 1e-4);
    }

    @Test
    void anAllConvolutionalClassifierEndingInALossLayerExports() {
        // 1x1 convolution to the classes, global average pooling, softmax in a LossLayer: no dense layer at all
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3)
                .weightInit(WeightInit.XAVIER).graphBuilder().addInputs("input")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(8).activation(Activation.RELU)
                        .build(), "input")
                .addLayer("classes", new ConvolutionLayer.Builder(1, 1).nOut(10).activation(Activation.IDENTITY).build(),
                        "conv")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "classes")
                .addLayer("loss", new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .build(), "gap")
                .setOutputs("loss").setInputTypes(InputType.convolutionalFlat(28, 28, 1)).build());
        net.init();
        OnnxModel onnx = OnnxExporter.export(net, PackedModel.of(net, Map.of(), Map.of()).tensors(),
                OnnxTestNetworks.MNIST, NORM, Map.of());
        assertClose(net, onnx, 1e-5);
    }

    @Test
    void anUnmappedVertexIsNamed() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("input")
                .addLayer("dense", new DenseLayer.Builder().nOut(8).build(), "input")
                .addVertex("l2", new L2NormalizeVertex(), "dense")
                .addLayer("output", new OutputLayer.Builder().nOut(10).activation(Activation.SOFTMAX).build(), "l2")
                .setOutputs("output").setInputTypes(InputType.convolutionalFlat(28, 28, 1)).build());
        g.init();
        UnsupportedLayerException e = assertThrows(UnsupportedLayerException.class,
                () -> OnnxExporter.export(g, Map.of(), OnnxTestNetworks.MNIST, NORM, Map.of()));
        assertEquals("l2", e.vertex());
        assertTrue(e.getMessage().contains("L2NormalizeVertex"), e.getMessage());
    }

    private static void assertClose(ComputationGraph graph, OnnxModel onnx, double tolerance) {
        int n = 32;
        SplittableRandom rnd = new SplittableRandom(4);
        float[] raw = new float[n * 784];
        float[] scaled = new float[raw.length];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = rnd.nextInt(256);
            scaled[i] = NORM.apply((int) raw[i]);
        }
        INDArray want = graph.outputSingle(false, Nd4j.create(scaled, new long[]{n, 784}, 'c'));
        try (OnnxRuntimeSession ort = new OnnxRuntimeSession(onnx, 1)) {
            float[] got = ort.run(raw, n);
            float[] w = want.dup('c').data().asFloat();
            double max = 0;
            for (int i = 0; i < w.length; i++) {
                max = Math.max(max, Math.abs(w[i] - got[i]));
            }
            assertTrue(max < tolerance, "largest probability difference " + max);
            assertTrue(want.argMax(1).equals(Nd4j.create(argMax(got, n), new long[]{n}, 'c')
                    .castTo(want.argMax(1).dataType())), "top-1 differs");
        }
    }

    private static double[] argMax(float[] p, int n) {
        int classes = p.length / n;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int k = 1; k < classes; k++) {
                if (p[i * classes + k] > p[i * classes + best]) {
                    best = k;
                }
            }
            out[i] = best;
        }
        return out;
    }
}
