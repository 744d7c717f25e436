package org.pocketflow.worker.task;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Latency;
import org.pocketflow.worker.export.PackedModel;
import org.pocketflow.worker.export.onnx.OnnxExporter;
import org.pocketflow.worker.export.onnx.OnnxModel;
import org.pocketflow.worker.export.onnx.OnnxParity;
import org.pocketflow.worker.export.onnx.OnnxRuntimeSession;
import org.pocketflow.worker.export.onnx.UnsupportedLayerException;

/**
 * Writes {@code model.onnx} for a compressed network and checks it in ONNX Runtime against DL4J
 * on the test set. Never fails the job: a network with a layer the export cannot map, or a model
 * ONNX Runtime cannot run, gets a status and a message in the report; a parity failure (top-1
 * accuracies more than 0.1 points apart) is reported as {@code parity-failed} and printed loudly,
 * and the DL4J and packed artifacts, which the job measured, stay the job's result. Stateless.
 */
final class OnnxStep {
    /**
     * ONNX Runtime intra-operator threads. On the shared 2-core machine 2 threads were 10-20% faster
     * at batch 1 but 2-3x slower at batch 64 (docs/ONNX.md), and executors share their cores.
     */
    static final int INTRA_OP_THREADS = 1;

    private OnnxStep() {
    }

    /**
     * Exports {@code graph} (tensors as {@code packed} encodes them) to {@code uri} and checks it.
     *
     * @param rawTest opens the test split as unscaled batches ({@link Normalizer#NONE}); called once,
     *                and only when the model was exported
     */
    static OnnxResult run(ComputationGraph graph, PackedModel packed, ImageShape shape, Normalizer norm,
                          Map<String, String> metadata, Supplier<Iterator<DataSet>> rawTest, String uri, Latency dl4jLatency, int warmup,
                          int iterations, Consumer<String> progress) {
        OnnxModel model;
        try {
            model = OnnxExporter.export(graph, packed.tensors(), shape, norm, metadata);
        } catch (UnsupportedLayerException e) {
            progress.accept("ONNX export skipped: " + e.getMessage());
            return OnnxResult.none("not-exported", e.getMessage(), "", 0);
        } catch (RuntimeException e) {
            // an exporter bug must not cost the job its compressed model: report it as loudly as a parity failure
            String message = "export failed: " + e;
            progress.accept("ONNX " + message);
            return OnnxResult.none("not-exported", message, "", 0);
        }
        long bytes = model.write(uri);
        try (OnnxRuntimeSession ort = new OnnxRuntimeSession(model, INTRA_OP_THREADS)) {
            OnnxParity p = OnnxParity.measure(graph, ort, rawTest.get(), norm);
            Latency latency = new Latency(ort.medianMillis(1, warmup, iterations),
                    ort.medianMillis(64, warmup, iterations));
            String message = String.format("model.onnx (%d bytes, opset %d, %d int8 tensors): ONNX Runtime top-1 "
                            + "%.4f vs DL4J %.4f (%+.2f points), same class on %.2f%% of %d test images, largest "
                            + "probability difference %.2e; latency %.3f / %.3f ms (batch 1 / 64) vs DL4J %.3f / %.3f ms",
                    bytes, OnnxExporter.OPSET, model.int8Tensors(), p.onnxAccuracy(), p.dl4jAccuracy(),
                    p.top1DifferencePoints(), 100 * p.top1Agreement(), p.images(), p.maxProbabilityDifference(),
                    latency.batch1Millis(), latency.batch64Millis(), dl4jLatency.batch1Millis(),
                    dl4jLatency.batch64Millis());
            String status = p.holds() ? "ok" : "parity-failed";
            progress.accept(p.holds() ? message : "ONNX PARITY FAILED (more than " + OnnxParity.MAX_POINTS
                    + " points): " + message);
            return new OnnxResult(status, message, uri, bytes, OnnxExporter.OPSET, model.int8Tensors(), p.images(),
                    p.dl4jAccuracy(), p.onnxAccuracy(), p.top1DifferencePoints(), p.top1Agreement(),
                    p.maxProbabilityDifference(), ort.intraOpThreads(), latency, dl4jLatency);
        } catch (IllegalStateException e) {
            progress.accept("ONNX Runtime could not run model.onnx: " + e.getMessage());
            return OnnxResult.none("failed", e.getMessage(), uri, bytes);
        }
    }

    /** What {@code model.onnx} records about where it came from: the packed model's provenance and {@code config}. */
    static Map<String, String> metadata(PackedModel packed, Map<String, String> config) {
        Map<String, String> m = new LinkedHashMap<>();
        packed.provenance().forEach((k, v) -> m.put(k.startsWith("pocketflow.") ? k : "pocketflow." + k, v));
        config.forEach((k, v) -> m.put("pocketflow.config." + k, v));
        return m;
    }

    /** The configuration of a compression job that shaped its model. */
    static Map<String, String> jobConfig(CompressionRequest c, BaselineRequest req) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("architecture", req.modelUri().isEmpty() ? req.architecture() : req.modelUri());
        m.put("compression", c.toString());
        m.put("training", String.valueOf(req.training()));
        m.put("data", "train-limit " + req.trainLimit() + ", test-limit " + req.testLimit()
                + ", validation-fraction " + req.validationFraction() + ", " + req.dataUri());
        return m;
    }
}
