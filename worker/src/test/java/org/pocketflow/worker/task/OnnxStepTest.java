package org.pocketflow.worker.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Latency;
import org.pocketflow.worker.export.PackedModel;
import org.pocketflow.worker.model.Architecture;

class OnnxStepTest {
    private static final ImageShape SHAPE = new ImageShape(1, 28, 28);
    private static final Normalizer NORM = new Normalizer(0.3, 0.35);

    @Test
    void writesTheModelAndReportsParityAndLatency(@TempDir Path tmp) {
        ComputationGraph g = Architecture.LENET.factory().create(SHAPE, 10, 4);
        List<String> lines = new ArrayList<>();
        String uri = tmp.resolve("model.onnx").toUri().toString();
        OnnxResult r = OnnxStep.run(g, PackedModel.of(g, Map.of(), Map.of()), SHAPE, NORM, Map.of("seed", "4"),
                () -> raw(images(200)), uri, new Latency(1, 2), 1, 3, lines::add);
        assertEquals("ok", r.status(), r.message());
        assertTrue(Files.exists(tmp.resolve("model.onnx")));
        assertFalse(Files.exists(tmp.resolve("model.onnx.tmp")));
        assertEquals(r.bytes(), tmp.resolve("model.onnx").toFile().length());
        assertEquals(200, r.images());
        assertEquals(r.dl4jAccuracy(), r.onnxAccuracy(), 1e-9);
        assertTrue(r.onnxLatency().batch1Millis() > 0 && r.onnxLatency().batch64Millis() > 0);
        assertTrue(lines.get(0).startsWith("model.onnx"), lines.toString());
    }

    @Test
    void aLayerWithoutMappingGivesAReportLineNotACrash(@TempDir Path tmp) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("input")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "input")
                .addLayer("lrn", new LocalResponseNormalization.Builder().build(), "conv")
                .addLayer("output", new OutputLayer.Builder().nOut(10).activation(Activation.SOFTMAX).build(), "lrn")
                .setOutputs("output").setInputTypes(InputType.convolutional(28, 28, 1)).build());
        g.init();
        List<String> lines = new ArrayList<>();
        OnnxResult r = OnnxStep.run(g, PackedModel.of(g, Map.of(), Map.of()), SHAPE, NORM, Map.of(), () -> raw(images(20)),
                tmp.resolve("model.onnx").toUri().toString(), new Latency(1, 2), 1, 3, lines::add);
        assertEquals("not-exported", r.status());
        assertTrue(r.message().contains("'lrn'") && r.message().contains("LocalResponseNormalization"), r.message());
        assertEquals(List.of("ONNX export skipped: " + r.message()), lines);
        assertFalse(Files.exists(tmp.resolve("model.onnx")));
    }

    @Test
    void aParityFailureIsReportedLoudlyAndTheJobGoesOn(@TempDir Path tmp) {
        ComputationGraph g = Architecture.LENET.factory().create(SHAPE, 10, 4);
        // labels = DL4J's own predictions, so DL4J scores 100% and any disagreement shows
        ImageSet unlabelled = images(300);
        int[] predicted = g.outputSingle(false, unlabelled.batchesInOrder(300, NORM).next().getFeatures())
                .argMax(1).toIntVector();
        byte[] pixels = new byte[300 * SHAPE.pixels()];
        byte[] labels = new byte[300];
        for (int i = 0; i < 300; i++) {
            System.arraycopy(unlabelled.image(i), 0, pixels, i * SHAPE.pixels(), SHAPE.pixels());
            labels[i] = (byte) predicted[i];
        }
        ImageSet test = ImageSet.of(SHAPE, 10, pixels, labels);
        // a packed encoding of other weights than the network's: the export writes what the packed model says
        long[] shape = g.getParam("fc1_W").shape();
        float[] other = new float[(int) (shape[0] * shape[1])];
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < other.length; i++) {
            other[i] = (float) rnd.nextGaussian() * 0.1f;
        }
        float[] alpha = new float[(int) shape[1]];
        java.util.Arrays.fill(alpha, 1f);
        PackedModel wrong = PackedModel.of(g, Map.of("fc1_W",
                org.pocketflow.worker.learn.quant.UniformQuantizer.encode(other, shape, 1, 8, alpha)), Map.of());
        List<String> lines = new ArrayList<>();
        OnnxResult r = OnnxStep.run(g, wrong, SHAPE, NORM, Map.of(), () -> raw(test), tmp.resolve("model.onnx").toUri().toString(),
                new Latency(1, 2), 1, 3, lines::add);
        assertEquals("parity-failed", r.status(), r.message());
        assertEquals(1.0, r.dl4jAccuracy(), 1e-12);
        assertTrue(r.top1DifferencePoints() < -0.1, r.message());
        assertTrue(lines.get(0).startsWith("ONNX PARITY FAILED"), lines.toString());
        assertTrue(Files.exists(tmp.resolve("model.onnx")), "the file stays for inspection");
    }

    /** The images as the test split's unscaled batches, as a job hands them to the step. */
    private static java.util.Iterator<org.nd4j.linalg.dataset.DataSet> raw(ImageSet images) {
        return images.batchesInOrder(64, Normalizer.NONE);
    }

    private static ImageSet images(int n) {
        SplittableRandom rnd = new SplittableRandom(9);
        byte[] pixels = new byte[n * SHAPE.pixels()];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) rnd.nextInt(10);
        }
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) rnd.nextInt(256);
        }
        return ImageSet.of(SHAPE, 10, pixels, labels);
    }
}
