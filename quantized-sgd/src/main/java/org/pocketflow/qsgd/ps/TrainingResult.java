package org.pocketflow.qsgd.ps;

/**
 * What a finished server hands back.
 *
 * @param params the final parameters (copied)
 * @param stats the counters at the end
 */
public record TrainingResult(float[] params, ServerStats stats) {
    public TrainingResult {
        params = params.clone();
    }

    @Override
    public float[] params() {
        return params.clone();
    }
}
