package org.pocketflow.driver.study;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Consumer;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.pocketflow.driver.Json;
import org.pocketflow.driver.RunDirectory;
import org.pocketflow.driver.SparkContexts;
import org.pocketflow.worker.task.TrialRequest;
import org.pocketflow.worker.task.TrialResult;
import org.pocketflow.worker.task.TrialRun;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The deliverables of a chosen candidate's checkpoint in the run directory: its test accuracy
 * (the one look at the test split) and {@code inference.zip} (batch norms folded) on an executor,
 * its packed model and DL4J zip copied to {@code model.pfpk} and {@code compressed.zip}, and
 * {@code model.onnx} exported and checked in ONNX Runtime on an executor. Used for a study's
 * winner and for a compression job fine-tuned through the parameter server.
 */
public final class CandidateArtifacts {
    private CandidateArtifacts() {
    }

    /**
     * What {@link #write} measured.
     *
     * @param testAccuracy the checkpoint's accuracy on the test split
     * @param onnx         the ONNX export's result (status, parity, latency), as its JSON
     */
    public record Written(double testAccuracy, JsonNode onnx) {
    }

    /**
     * Writes the deliverables of {@code chosen} into {@code dir}.
     *
     * @param what the candidate in job descriptions, e.g. "trial 3"
     */
    public static Written write(JavaSparkContext sc, RunDirectory dir, TrialRequest.TrialContext ctx, TrialResult chosen,
                                String what) {
        String checkpoint = chosen.checkpoint();
        sc.setJobGroup("pocketflow-final", "test accuracy of " + what, true);
        double test;
        try {
            test = Double.parseDouble(sc.parallelize(List.of(checkpoint), 1).map(new TestAccuracy(ctx,
                    dir.uri() + "/inference.zip")).collect().get(0));
        } finally {
            sc.clearJobGroup();
        }
        dir.copyFrom(chosen.packedFile(), "model.pfpk");
        dir.copyFrom(checkpoint, "compressed.zip");
        sc.setJobGroup("pocketflow-onnx", "model.onnx of " + what, true);
        String onnx;
        try {
            onnx = sc.parallelize(List.of(checkpoint), 1).map(new OnnxExport(ctx, chosen.packedFile(),
                    dir.uri() + "/model.onnx")).collect().get(0);
        } finally {
            sc.clearJobGroup();
        }
        try {
            return new Written(test, Json.MAPPER.readTree(onnx));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable ONNX result " + onnx, e);
        }
    }

    /** The Spark task that writes the candidate as {@code model.onnx} and checks it; returns the result as JSON. */
    private record OnnxExport(TrialRequest.TrialContext ctx, String packedFile, String onnxUri)
            implements Function<String, String> {
        private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrialRun.class);

        @Override
        public String call(String checkpoint) throws Exception {
            Consumer<String> progress = LOG::info;
            return Json.MAPPER.writeValueAsString(TrialRun.exportOnnx(ctx, checkpoint, packedFile, onnxUri, progress));
        }
    }

    /** The Spark task that measures the candidate's test accuracy and writes its inference form. */
    private record TestAccuracy(TrialRequest.TrialContext ctx, String inferenceUri) implements Function<String, String> {
        @Override
        public String call(String checkpoint) {
            SparkContexts.prepareExecutorTask();
            TrialRun.writeInference(checkpoint, inferenceUri);
            return String.valueOf(TrialRun.testAccuracy(ctx, checkpoint));
        }
    }
}
