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
 * @param replicas     copies of the network that compute each step together inside one JVM
 *                     ({@link ReplicaStep}); 0 chooses by the JVM's threads and the batch size
 */
public record TrainingSpec(int epochs, int batchSize, double learningRate, double momentum,
                           double weightDecay, LrSchedule schedule, long seed, int logEverySteps, int replicas)
        implements Serializable {
    public TrainingSpec {
        if (epochs < 1 || batchSize < 1 || !(learningRate > 0) || momentum < 0 || momentum >= 1
                || weightDecay < 0 || logEverySteps < 1 || replicas < 0) {
            throw new IllegalArgumentException("invalid training spec " + "epochs=" + epochs + " batchSize="
                    + batchSize + " learningRate=" + learningRate + " momentum=" + momentum
                    + " weightDecay=" + weightDecay + " logEverySteps=" + logEverySteps + " replicas=" + replicas);
        }
    }

    /** A spec whose steps are computed by the network alone (one replica). */
    public TrainingSpec(int epochs, int batchSize, double learningRate, double momentum,
                        double weightDecay, LrSchedule schedule, long seed, int logEverySteps) {
        this(epochs, batchSize, learningRate, momentum, weightDecay, schedule, seed, logEverySteps, 1);
    }

    /** This spec with {@code epochs}, {@code learningRate} and {@code seed} in place of its own. */
    public TrainingSpec with(int epochs, double learningRate, long seed) {
        return new TrainingSpec(epochs, batchSize, learningRate, momentum, weightDecay, schedule, seed, logEverySteps,
                replicas);
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
