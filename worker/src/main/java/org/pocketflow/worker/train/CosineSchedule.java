package org.pocketflow.worker.train;

import org.nd4j.linalg.schedule.ISchedule;

import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Half-cosine learning-rate decay without restarts (Loshchilov and Hutter, SGDR, ICLR 2017,
 * eq. 5 with a single period): {@code lr(t) = lr0 * (1 + cos(pi * t / T)) / 2} for step t of T.
 * DL4J 1.0.0-M2 has no cosine schedule; this one serialises with the model like DL4J's own.
 */
public final class CosineSchedule implements ISchedule {
    private final double initialValue;
    private final long totalSteps;

    public CosineSchedule(@JsonProperty("initialValue") double initialValue,
                          @JsonProperty("totalSteps") long totalSteps) {
        this.initialValue = initialValue;
        this.totalSteps = Math.max(1, totalSteps);
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        double t = Math.min(iteration, totalSteps) / (double) totalSteps;
        return initialValue * 0.5 * (1 + Math.cos(Math.PI * t));
    }

    @Override
    public ISchedule clone() {
        return new CosineSchedule(initialValue, totalSteps);
    }

    public double getInitialValue() {
        return initialValue;
    }

    public long getTotalSteps() {
        return totalSteps;
    }
}
