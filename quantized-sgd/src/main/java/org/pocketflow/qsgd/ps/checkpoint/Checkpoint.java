package org.pocketflow.qsgd.ps.checkpoint;

import java.util.Arrays;

/**
 * The server's state after a step: enough to resume training exactly there.
 *
 * @param step the parameter version (number of optimizer steps applied)
 * @param optimizer the optimizer's {@code name()}; a resume refuses a different one
 * @param params the parameters (copied)
 * @param optimizerState the optimizer's state (copied)
 */
public record Checkpoint(long step, String optimizer, float[] params, float[] optimizerState) {

    public Checkpoint {
        if (step < 0) {
            throw new IllegalArgumentException("checkpoint step must be >= 0, but got " + step);
        }
        params = params.clone();
        optimizerState = optimizerState.clone();
    }

    @Override
    public float[] params() {
        return params.clone();
    }

    @Override
    public float[] optimizerState() {
        return optimizerState.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Checkpoint c && c.step == step && c.optimizer.equals(optimizer) && Arrays.equals(c.params, params)
                && Arrays.equals(c.optimizerState, optimizerState);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(step) * 31 + Arrays.hashCode(params);
    }

    @Override
    public String toString() {
        return "Checkpoint(step " + step + ", " + optimizer + ", " + params.length + " params)";
    }
}
