package org.pocketflow.qsgd.ps.optim;

import java.io.Serializable;
import java.util.BitSet;

/**
 * SGD hyper-parameters, immutable and shippable; {@link #newOptimizer} makes the stateful
 * {@link SgdOptimizer}.
 *
 * @param schedule the learning rate per step
 * @param momentum the momentum coefficient μ in [0, 1); 0 is plain SGD
 * @param nesterov Nesterov momentum in DL4J's formulation (its {@code Nesterovs} updater) rather
 *     than classical (heavy-ball) momentum
 * @param weightDecay decoupled weight decay λ in [0, 1) as DL4J's {@code WeightDecay} applies it
 *     after the updater: {@code θ ← θ − update − η(t)·λ·θ}, on the parameters the optimizer is
 *     told to decay; 0 = none
 */
public record SgdParams(LearningRateSchedule schedule, double momentum, boolean nesterov, double weightDecay)
        implements Serializable {

    public SgdParams {
        if (schedule == null) {
            throw new IllegalArgumentException("sgd schedule must be set (LearningRateSchedule.constant(lr) for a fixed rate)");
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("sgd momentum must be in [0, 1), but got " + momentum);
        }
        if (!(weightDecay >= 0 && weightDecay < 1)) {
            throw new IllegalArgumentException("sgd weightDecay must be in [0, 1), but got " + weightDecay);
        }
    }

    /** A constant learning rate, no weight decay. */
    public SgdParams(double learningRate, double momentum, boolean nesterov) {
        this(LearningRateSchedule.constant(learningRate), momentum, nesterov, 0);
    }

    /** Plain SGD. */
    public static SgdParams plain(double learningRate) {
        return new SgdParams(learningRate, 0, false);
    }

    /** Nesterov momentum as local training uses it (DL4J {@code Nesterovs}). */
    public static SgdParams nesterov(double learningRate, double momentum) {
        return new SgdParams(learningRate, momentum, true);
    }

    /** The same, with decoupled weight decay {@code lambda}. */
    public SgdParams withWeightDecay(double lambda) {
        return new SgdParams(schedule, momentum, nesterov, lambda);
    }

    /** The same, with another learning-rate schedule. */
    public SgdParams withSchedule(LearningRateSchedule s) {
        return new SgdParams(s, momentum, nesterov, weightDecay);
    }

    /** An optimizer of {@code size} parameters that decays all of them (when weight decay is on). */
    public SgdOptimizer newOptimizer(int size) {
        BitSet all = new BitSet(size);
        all.set(0, Math.max(0, size));
        return new SgdOptimizer(this, size, all, new BitSet());
    }

    /**
     * An optimizer of {@code size} parameters that decays only those in {@code decayed} (DL4J
     * decays weights, not biases).
     */
    public SgdOptimizer newOptimizer(int size, BitSet decayed) {
        return new SgdOptimizer(this, size, decayed, new BitSet());
    }

    /**
     * An optimizer of {@code size} parameters that decays those in {@code decayed} and applies
     * the updates of those in {@code direct} as they come ({@code θ ← θ − g}: batch norm's running
     * statistics, which DL4J updates without its optimizer); the two sets are disjoint.
     */
    public SgdOptimizer newOptimizer(int size, BitSet decayed, BitSet direct) {
        return new SgdOptimizer(this, size, decayed, direct);
    }
}
