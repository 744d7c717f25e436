package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A compression job through {@link PocketFlowMain} writes {@code model.onnx} beside {@code model.pfpk},
 * reports its parity with DL4J and its ONNX Runtime latency, and the file alone (raw pixels in,
 * probabilities out) gives the reported test accuracy.
 */
class OnnxExportJobTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";

    @Test
    void compressionJobWritesAnOnnxModelThatRunsAloneWithTheReportedAccuracy(@TempDir Path tmp) throws Exception {
        if (!"true".equals(System.getenv("CI"))) {
            assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        }
        Path runDir = tmp.resolve("run-onnx");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PocketFlowMain.run(new String[]{"run", "--conf", "pocketflow.spark.master=local[1]",
                "--conf", "pocketflow.run.dir=" + runDir, "--conf", "pocketflow.data.train-limit=2000",
                "--conf", "pocketflow.data.test-limit=1000", "--conf", "pocketflow.train.epochs=1",
                "--conf", "pocketflow.eval.latency-iterations=5", "--conf", "pocketflow.learn.algorithm=uniform-quant",
                "--conf", "pocketflow.learn.average-bits=4", "--conf", "pocketflow.learn.fine-tune-epochs=0",
                "--conf", "pocketflow.seed=5"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("onnx ok: model.onnx ("), out.toString());
        JsonNode report = Json.MAPPER.readTree(runDir.resolve("report.json").toFile());
        JsonNode onnx = report.at("/baseline/compressed/onnx");
        assertEquals("ok", onnx.get("status").asText(), onnx.toString());
        assertEquals(1000, onnx.get("images").asInt());
        assertTrue(Math.abs(onnx.get("top1DifferencePoints").asDouble()) <= 0.1, onnx.toString());
        assertTrue(onnx.get("maxProbabilityDifference").asDouble() < 1e-3, onnx.toString());
        assertTrue(onnx.get("int8Tensors").asLong() >= 4, onnx.toString());
        assertTrue(onnx.at("/onnxLatency/batch1Millis").asDouble() > 0, onnx.toString());
        assertTrue(onnx.at("/dl4jLatency/batch64Millis").asDouble() > 0, onnx.toString());
        Path file = runDir.resolve("model.onnx");
        assertEquals(onnx.get("bytes").asLong(), Files.size(file));
        assertEquals(report.at("/baseline/compressed/testAccuracy").asDouble(), onnx.get("dl4jAccuracy").asDouble(),
                1e-9);

        ImageSet test = IdxDataset.open("file://" + DATA, 2000, 1000).test();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
            Map<String, String> meta = s.getMetadata().getCustomMetadata();
            assertEquals("5", meta.get("pocketflow.seed"), meta.toString());
            assertEquals("pocketflow", s.getMetadata().getProducerName());
            assertTrue(meta.containsKey("pocketflow.version"), meta.toString());
            assertTrue(meta.get("pocketflow.config.compression").contains("uniform-quant"), meta.toString());
            assertEquals(report.at("/provenance/datasetSha256").asText(), meta.get("pocketflow.dataset-sha256"));
            assertEquals("[" + report.at("/baseline/normalization/mean/0").asDouble() + "]",
                    meta.get("pocketflow.input.mean"));
            int pixels = test.shape().pixels();
            float[] raw = new float[test.size() * pixels];
            for (int i = 0; i < test.size(); i++) {
                byte[] image = test.image(i);
                for (int p = 0; p < pixels; p++) {
                    raw[i * pixels + p] = image[p] & 0xFF;
                }
            }
            long[] shape = {test.size(), 1, 28, 28};
            int right = 0;
            try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(raw), shape);
                 OrtSession.Result r = s.run(Map.of("pixels", x))) {
                float[][] probs = (float[][]) r.get(0).getValue();
                for (int i = 0; i < probs.length; i++) {
                    int best = 0;
                    for (int k = 1; k < probs[i].length; k++) {
                        best = probs[i][k] > probs[i][best] ? k : best;
                    }
                    right += best == test.label(i) ? 1 : 0;
                }
            }
            assertEquals(onnx.get("onnxAccuracy").asDouble(), right / (double) test.size(), 1e-9);
        }
    }
}
