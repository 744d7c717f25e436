package org.pocketflow.worker.train;

/**
 * Figures of one training epoch.
 *
 * @param epoch          1-based epoch number
 * @param meanLoss       mean minibatch training loss
 * @param samplesPerSecond training throughput
 * @param seconds        wall time of the epoch
 */
public record EpochStats(int epoch, double meanLoss, double samplesPerSecond, double seconds) {
}
