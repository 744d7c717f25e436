package org.pocketflow.qsgd.ps.optim;

import java.io.Serializable;

/**
 * SGD hyper-parameters, immutable and shippable; {@link #newOptimizer(int)} makes the stateful
 * {@link SgdOptimizer}.
 *
 * @param learningRate the step size, > 0
 * @param momentum the momentum coefficient μ in [0, 1); 0 is plain SGD
 * @param nesterov Nesterov momentum in DL4J's formulation (its {@code Nesterovs} updater) rather
 *     than classical (heavy-ball) momentum
 */
public record SgdParams(double learningRate, double momentum, boolean nesterov) implements Serializable {

    public SgdParams {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("sgd learningRate must be a finite number > 0, but got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("sgd momentum must be in [0, 1), but got " + momentum);
        }
    }

    /** Plain SGD. */
    public static SgdParams plain(double learningRate) {
        return new SgdParams(learningRate, 0, false);
    }

    /** Nesterov momentum as local training uses it (DL4J {@code Nesterovs}). */
    public static SgdParams nesterov(double learningRate, double momentum) {
        return new SgdParams(learningRate, momentum, true);
    }

    public SgdOptimizer newOptimizer(int size) {
        return new SgdOptimizer(this, size);
    }
}
