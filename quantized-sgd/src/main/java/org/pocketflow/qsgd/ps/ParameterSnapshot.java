package org.pocketflow.qsgd.ps;

/**
 * Parameters a worker received.
 *
 * @param step their version: compute the next gradient on them and push it with this step
 * @param last training is over; these are the final parameters
 * @param values the parameters (the worker's own copy)
 */
public record ParameterSnapshot(long step, boolean last, float[] values) {
}
