package org.pocketflow.conf;

import java.util.List;

/** Keys of (re)training with SGD: the baseline and the fine-tuning of compressed models. */
public final class TrainKeys {

    /** Passes over the training data. */
    public static final ConfigKey<Integer> EPOCHS = ConfigKey.integer("pocketflow.train.epochs", 10,
            "Number of passes over the training data.",
            Validators.range(1, 1000));

    /** Images per step. */
    public static final ConfigKey<Integer> BATCH_SIZE = ConfigKey.integer("pocketflow.train.batch-size", 64,
            "Mini-batch size in images per SGD step.",
            Validators.range(1, 65536));

    /** Initial learning rate. */
    public static final ConfigKey<Double> LEARNING_RATE = ConfigKey.real("pocketflow.train.learning-rate", 0.02,
            "Initial learning rate of SGD; the schedule (pocketflow.train.lr-schedule) starts from it.",
            Validators.openClosed(0.0, 10.0));

    /** SGD momentum. */
    public static final ConfigKey<Double> MOMENTUM = ConfigKey.real("pocketflow.train.momentum", 0.9,
            "Momentum of SGD; 0 = plain SGD.",
            Validators.closedOpen(0.0, 1.0));

    /** L2 weight decay. */
    public static final ConfigKey<Double> WEIGHT_DECAY = ConfigKey.real("pocketflow.train.weight-decay", 5e-4,
            "L2 weight decay coefficient; 0 = none.",
            Validators.closedOpen(0.0, 1.0));

    /** Learning-rate schedule. */
    public static final ConfigKey<String> LR_SCHEDULE = ConfigKey.oneOf("pocketflow.train.lr-schedule", "cosine",
            "How the learning rate changes over the epochs: constant, step decay or cosine annealing.",
            "constant", "step", "cosine");

    /** Logging period. */
    public static final ConfigKey<Integer> LOG_EVERY_STEPS = ConfigKey.integer("pocketflow.train.log-every-steps",
            100,
            "Log the training loss every N steps.",
            Validators.range(1, 1_000_000));

    /** Copies of the network computing each step in one JVM. */
    public static final ConfigKey<Integer> REPLICAS = ConfigKey.integer("pocketflow.train.replicas", 0,
            "Copies of the network that compute each training step together inside one JVM (local training,"
                    + " baseline, fine-tuning, study trials and parameter-server workers), each on its share of the"
                    + " minibatch and of the OpenMP threads, the gradients summed before one optimizer step. On a few"
                    + " cores this is faster than one copy on all threads. Each copy's batch norms use its share's"
                    + " statistics. 0 = auto: 2 when the JVM has at least 2 OpenMP threads and the minibatch at least"
                    + " 32 images, else 1; 1 = the network alone.",
            Validators.range(0, 64));

    /** This area's keys in declaration order. */
    public static final KeyGroup GROUP = new KeyGroup("Training", List.of(EPOCHS, BATCH_SIZE, LEARNING_RATE,
            MOMENTUM, WEIGHT_DECAY, LR_SCHEDULE, LOG_EVERY_STEPS, REPLICAS));

    private TrainKeys() {
    }
}
