package org.pocketflow.worker.task;

import java.util.Map;

import org.pocketflow.worker.eval.Latency;

/**
 * What one Spark job of a trial reports; the driver records it in the trial store. The objective
 * of the study is {@link #validationAccuracy}: the test set is never looked at during a study.
 *
 * @param trial              the trial's number
 * @param rung               the rung this job ended
 * @param status             {@code COMPLETE}, or {@code FAILED} for a deterministic failure
 *                           (training diverged) that a retry would only repeat
 * @param reason             why it failed; "" when it did not
 * @param validationAccuracy top-1 accuracy on the validation split (NaN when failed)
 * @param macs               multiply-adds per image of the compressed network
 * @param parameters         its parameters
 * @param packedBytes        bytes of its packed model file
 * @param tensorBytes        bytes of the packed parameter tensors
 * @param latency            measured inference latency (null when failed)
 * @param settings           per knob, the value applied after the budget
 * @param checkpoint         URI of the fine-tuned DL4J zip this job left ("" when failed)
 * @param packedFile         URI of its packed model ("" when failed)
 * @param startedMicros      when the task started on the executor, microseconds since the epoch
 * @param finishedMicros     when it finished
 */
public record TrialResult(int trial, int rung, String status, String reason, double validationAccuracy, long macs,
                          long parameters, long packedBytes, long tensorBytes, Latency latency,
                          Map<String, Double> settings, String checkpoint, String packedFile, long startedMicros,
                          long finishedMicros) {
    /** Status of a job that finished with an objective. */
    public static final String COMPLETE = "COMPLETE";
    /** Status of a job that failed deterministically. */
    public static final String FAILED = "FAILED";

    public TrialResult {
        settings = Map.copyOf(settings);
    }

    /** A deterministic failure of trial {@code trial} at {@code rung}. */
    public static TrialResult failed(int trial, int rung, String reason, long startedMicros, long finishedMicros) {
        return new TrialResult(trial, rung, FAILED, reason, Double.NaN, 0, 0, 0, 0, null, Map.of(), "", "",
                startedMicros, finishedMicros);
    }

    /** Seconds the executor spent on this job. */
    public double workSeconds() {
        return (finishedMicros - startedMicros) / 1e6;
    }
}
