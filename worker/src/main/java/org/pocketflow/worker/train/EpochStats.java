package org.pocketflow.worker.train;

/**
 * Figures of one training epoch.
 *
 * @param epoch          1-based epoch number
 * @param meanLoss       mean minibatch training loss
 * @param samplesPerSecond training throughput
 * @param seconds        wall time of the epoch
 * @param validationAccuracy top-1 accuracy on the validation split after the epoch; NaN when not measured
 */
public record EpochStats(int epoch, double meanLoss, double samplesPerSecond, double seconds,
                         double validationAccuracy) {
    /** Figures of an epoch whose accuracy was not measured. */
    public EpochStats(int epoch, double meanLoss, double samplesPerSecond, double seconds) {
        this(epoch, meanLoss, samplesPerSecond, seconds, Double.NaN);
    }
}
