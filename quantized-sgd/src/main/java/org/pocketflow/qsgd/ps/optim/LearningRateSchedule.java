package org.pocketflow.qsgd.ps.optim;

import java.io.Serializable;

/**
 * The learning rate as a function of the optimizer step, so that the server follows the same
 * schedule as local training (the worker module adapts DL4J's {@code ISchedule} to this).
 *
 * <p>Implementations are immutable and pure: {@code at(t)} depends on {@code t} alone, which is
 * what makes a resumed run continue on the same schedule.
 */
public interface LearningRateSchedule extends Serializable {

    /** The learning rate of optimizer step {@code step} (0 = the first update), > 0 except at the end of a decay. */
    double at(long step);

    /** Names the schedule and its parameters; part of the optimizer's name, which a checkpoint must match. */
    String name();

    /** The same rate at every step. */
    static LearningRateSchedule constant(double learningRate) {
        return new ConstantRate(learningRate);
    }

    /**
     * A fixed learning rate.
     *
     * @param learningRate the rate, finite and > 0
     */
    record ConstantRate(double learningRate) implements LearningRateSchedule {
        public ConstantRate {
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("sgd learningRate must be a finite number > 0, but got " + learningRate);
            }
        }

        @Override
        public double at(long step) {
            return learningRate;
        }

        @Override
        public String name() {
            return Double.toString(learningRate);
        }
    }
}
