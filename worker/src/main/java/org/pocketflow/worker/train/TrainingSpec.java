package org.pocketflow.worker.train;

import java.io.Serializable;

/**
 * How to train: SGD with Nesterov momentum, a learning-rate schedule and weight decay.
 *
 * @param epochs       passes over the training data
 * @param batchSize    images per step
 * @param learningRate initial learning rate
 * @param momentum     Nesterov momentum
 * @param weightDecay  decoupled L2 weight decay coefficient (applied to weights, not biases)
 * @param schedule     how the learning rate changes over the run
 * @param seed         seed for data order (initial weights come from the model's own seed)
 * @param logEverySteps progress line period, in steps
 */
public record TrainingSpec(int epochs, int batchSize, double learningRate, double momentum,
                           double weightDecay, LrSchedule schedule, long seed, int logEverySteps)
        implements Serializable {
    public TrainingSpec {
        if (epochs < 1 || batchSize < 1 || !(learningRate > 0) || momentum < 0 || momentum >= 1
                || weightDecay < 0 || logEverySteps < 1) {
            throw new IllegalArgumentException("invalid training spec " + "epochs=" + epochs + " batchSize="
                    + batchSize + " learningRate=" + learningRate + " momentum=" + momentum
                    + " weightDecay=" + weightDecay + " logEverySteps=" + logEverySteps);
        }
    }

    /** Learning-rate schedules. */
    public enum LrSchedule {
        /** The same rate throughout. */
        CONSTANT,
        /** Divided by 10 at 50% and again at 75% of the steps. */
        STEP,
        /** Half-cosine decay from the initial rate to zero (Loshchilov and Hutter 2017). */
        COSINE
    }
}
