package org.pocketflow.worker.distributed;

import org.pocketflow.qsgd.ps.ExchangeMode;

/**
 * How many optimizer steps a distributed run takes, computed the same way on the driver (for the
 * server and the schedule) and anywhere else that needs it.
 *
 * <p>Each worker holds a partition of about {@code trainImages / workers} images and walks it
 * in minibatches; an epoch is one pass of one partition. In sync mode one step consumes one
 * minibatch from every worker; in async mode every gradient is a step, so the same number of
 * samples takes {@code workers} times as many steps.
 *
 * @param trainImages images in the training split (all partitions together)
 * @param workers the number of workers
 * @param batchSize images per worker minibatch
 * @param epochs passes over each partition
 * @param mode how gradients are combined
 */
public record TrainingPlan(int trainImages, int workers, int batchSize, int epochs, ExchangeMode mode) {

    public TrainingPlan {
        if (workers < 1 || batchSize < 1 || epochs < 1) {
            throw new IllegalArgumentException("distributed plan needs workers, batchSize and epochs >= 1, but got " + workers
                    + ", " + batchSize + " and " + epochs);
        }
        if (trainImages < workers) {
            throw new IllegalArgumentException("distributed training of " + workers + " workers needs at least one training image"
                    + " per worker, but the training split holds " + trainImages + "; lower pocketflow.distributed.workers or"
                    + " raise pocketflow.data.train-limit");
        }
    }

    /** Minibatches in one pass over the largest partition. */
    public long stepsPerEpoch() {
        long largest = (trainImages + (long) workers - 1) / workers;
        return (largest + batchSize - 1) / batchSize;
    }

    /** Optimizer steps of the whole run. */
    public long totalSteps() {
        long perWorker = stepsPerEpoch() * epochs;
        return mode == ExchangeMode.ASYNC ? perWorker * workers : perWorker;
    }
}
