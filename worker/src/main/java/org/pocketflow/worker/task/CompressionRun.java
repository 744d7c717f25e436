package org.pocketflow.worker.task;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.eval.Latency;
import org.pocketflow.worker.export.BatchNormFolding;
import org.pocketflow.worker.export.PackedModelFile;
import org.pocketflow.worker.learn.CompressedModel;
import org.pocketflow.worker.learn.Learner;
import org.pocketflow.worker.learn.LearnerCatalog;
import org.pocketflow.worker.learn.LearnerRun;
import org.pocketflow.worker.model.ModelFiles;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.runtime.Versions;

/**
 * Compresses a job's base model on the executor that produced it: the learner at its uniform
 * per-layer settings under the budget (calibrated on the first training images, {@link
 * TaskData#calibration}), fine-tuning on the base model's training split (the same normalisation;
 * streamed and augmented for image folders and shards), evaluation, then {@code model.pfpk}
 * (packed), {@code compressed.zip} (DL4J) and {@code model.onnx} (checked in ONNX Runtime, {@link
 * OnnxStep}) in the run directory. Stateless.
 */
final class CompressionRun {
    private CompressionRun() {
    }

    /**
     * The input scaling as packed-model provenance: {@code normalization} (where it comes from) and
     * {@code normalization-raw-mean}/{@code -raw-std}, per channel on the raw 0..255 scale, so that
     * a reader of {@code model.pfpk} scales its input as {@code (x - mean) / std}.
     */
    static Map<String, String> scalingProvenance(Normalizer norm) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("normalization", norm.source());
        p.put("normalization-raw-mean", join(norm.rawMean()));
        p.put("normalization-raw-std", join(norm.rawStd()));
        return p;
    }

    private static String join(double[] values) {
        return java.util.Arrays.stream(values).mapToObj(Double::toString)
                .collect(java.util.stream.Collectors.joining(","));
    }

    static CompressionResult execute(CompressionRequest c, BaselineRequest req, ComputationGraph base,
                                     double baseAccuracy, TaskData data, Normalizer norm, Consumer<String> progress) {
        DataSet calibration = data.calibration(LearnerCatalog.calibrationImages(c.options()), norm);
        Learner learner = LearnerCatalog.create(c.algorithm(), c.options(), calibration, req.seed());
        ImageShape shape = data.shape();
        ModelInfo info = ModelInfo.of(base, shape);
        Map<String, Double> settings = c.options().latencyAllocation()
                ? learner.fastest(base, shape, c.budget(), progress) : learner.uniform(info, c.budget());
        Map<String, String> provenance = new LinkedHashMap<>(Versions.runtime());
        provenance.put("seed", String.valueOf(req.seed()));
        provenance.put("allocation", c.options().allocation());
        provenance.put("dataset", data.name());
        provenance.put("dataset-sha256", data.sha256());
        provenance.putAll(scalingProvenance(norm));
        provenance.put("base-model", req.modelUri().isEmpty() ? req.architecture() : req.modelUri());
        long t0 = System.nanoTime();
        int batch = c.fineTune().trains() ? c.fineTune().training().batchSize() : 64;
        CompressedModel m = LearnerRun.run(learner, base, shape, settings, c.budget(), c.fineTune(),
                data.train(norm, batch, req.seed()), provenance, progress, validationAccuracy(data, norm));
        double seconds = (System.nanoTime() - t0) / 1e9;

        String packedFile = req.runDir() + "/model.pfpk";
        long packedBytes = PackedModelFile.write(m.packed(), packedFile);
        String modelFile = req.runDir() + "/compressed.zip";
        ModelFiles.save(m.graph(), modelFile);

        double test = Evaluator.evaluate(m.graph(), data.test(norm)).accuracy();
        double val = data.validationImages() == 0 ? Double.NaN
                : Evaluator.evaluate(m.graph(), data.validation(norm)).accuracy();
        Latency latency = Evaluator.latency(m.graph(), shape, req.latencyWarmup(), req.latencyIterations());
        ComputationGraph inference = BatchNormFolding.fold(m.graph());
        String inferenceFile = req.runDir() + "/inference.zip";
        ModelFiles.save(inference, inferenceFile);
        Latency inferenceLatency = Evaluator.latency(inference, shape, req.latencyWarmup(),
                req.latencyIterations());
        m.notes().forEach(progress);
        OnnxResult onnx = OnnxStep.run(m.graph(), m.packed(), shape, norm,
                OnnxStep.metadata(m.packed(), OnnxStep.jobConfig(c, req)), () -> data.test(Normalizer.NONE),
                req.runDir() + "/model.onnx", inferenceLatency,
                req.latencyWarmup(), req.latencyIterations(), progress);
        progress.accept(String.format("%s: test accuracy %.4f (%+.2f points), %.3f of the MACs, packed %d bytes "
                        + "(%.2fx smaller tensors); latency %.3f ms (batch 1), %.3f ms (batch 64); batch norms folded "
                        + "(inference.zip) %.3f / %.3f ms", learner.name(), test,
                100 * (test - baseAccuracy), m.after().macFractionOf(m.before()), packedBytes,
                1 / m.tensorBytesFraction(), latency.batch1Millis(), latency.batch64Millis(),
                inferenceLatency.batch1Millis(), inferenceLatency.batch64Millis()));
        return new CompressionResult(learner.name(), m.settings(), test, val, baseAccuracy - test, m.after().macs(),
                m.after().parameters(), packedBytes, m.packed().tensorBytes(), m.before().bytes(), latency,
                m.packed().encodings(), seconds, packedFile, modelFile, inferenceFile, inferenceLatency, onnx,
                m.fineTuneEpochs(), m.notes());
    }

    /** Validation accuracy for the per-epoch curves; null (nothing measured) when the split is empty. */
    static ToDoubleFunction<ComputationGraph> validationAccuracy(TaskData data, Normalizer norm) {
        return data.validationImages() == 0 ? null : g -> Evaluator.evaluate(g, data.validation(norm)).accuracy();
    }
}
