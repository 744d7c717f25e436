package org.pocketflow.worker.learn;

import java.io.Serializable;

import org.pocketflow.worker.train.TrainingSpec;

/**
 * How a compressed network is fine-tuned: the optimizer, schedule and epochs, and optional
 * distillation from the uncompressed network.
 *
 * @param training           optimizer, schedule, batch size and epochs; {@code null} = no
 *                           fine-tuning (the constraint is applied at once)
 * @param distillationWeight weight {@code w} of the distillation term; 0 = no distillation
 * @param temperature        distillation temperature {@code T > 0}
 */
public record FineTuneSpec(TrainingSpec training, double distillationWeight, double temperature)
        implements Serializable {
    public FineTuneSpec {
        if (!(distillationWeight >= 0) || !(temperature > 0)) {
            throw new IllegalArgumentException("distillation weight must be >= 0 and temperature > 0, but got "
                    + distillationWeight + " and " + temperature);
        }
    }

    /** Fine-tuning with {@code training}, without distillation. */
    public static FineTuneSpec of(TrainingSpec training) {
        return new FineTuneSpec(training, 0, 1);
    }

    /** No fine-tuning: compress and stop. */
    public static FineTuneSpec none() {
        return new FineTuneSpec(null, 0, 1);
    }

    /** Whether there is any fine-tuning. */
    public boolean trains() {
        return training != null;
    }

    /** Whether the base model teaches the compressed one. */
    public boolean distills() {
        return trains() && distillationWeight > 0;
    }

    /** This spec with distillation of weight {@code w} at temperature {@code t}. */
    public FineTuneSpec withDistillation(double w, double t) {
        return new FineTuneSpec(training, w, t);
    }
}
