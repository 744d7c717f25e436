package org.pocketflow.worker.learn;

import java.io.Serializable;

/**
 * The user's target. Each learner reads the part it needs: channel pruning the MAC fraction,
 * quantization the average weight bits, sparsification the sparsity; a chain reads several.
 * Unset parts are {@link Double#NaN}.
 *
 * @param macFraction fraction of the multiply-adds to keep, in (0, 1] (0.5 = 2x fewer FLOPs)
 * @param averageBits average weight bits, weighted by parameter count, in [1, 16]
 * @param sparsity    fraction of prunable weights set to zero, in [0, 1)
 */
public record Budget(double macFraction, double averageBits, double sparsity) implements Serializable {
    public Budget {
        if (!Double.isNaN(macFraction) && !(macFraction > 0 && macFraction <= 1)) {
            throw new IllegalArgumentException("MAC fraction must be in (0, 1], but got " + macFraction);
        }
        if (!Double.isNaN(averageBits) && !(averageBits >= 1 && averageBits <= 16)) {
            throw new IllegalArgumentException("average bits must be in [1, 16], but got " + averageBits);
        }
        if (!Double.isNaN(sparsity) && !(sparsity >= 0 && sparsity < 1)) {
            throw new IllegalArgumentException("sparsity must be in [0, 1), but got " + sparsity);
        }
    }

    /** Keep {@code fraction} of the multiply-adds. */
    public static Budget macs(double fraction) {
        return new Budget(fraction, Double.NaN, Double.NaN);
    }

    /** Weights at {@code bits} on average. */
    public static Budget bits(double bits) {
        return new Budget(Double.NaN, bits, Double.NaN);
    }

    /** {@code fraction} of the prunable weights zero. */
    public static Budget sparse(double fraction) {
        return new Budget(Double.NaN, Double.NaN, fraction);
    }

    /** This budget with the average-bits part set. */
    public Budget withAverageBits(double bits) {
        return new Budget(macFraction, bits, sparsity);
    }

    /** This budget with the sparsity part set. */
    public Budget withSparsity(double fraction) {
        return new Budget(macFraction, averageBits, fraction);
    }

    /** The MAC fraction, or an error naming what {@code learner} needs. */
    public double requireMacFraction(String learner) {
        return require(macFraction, learner, "a FLOPs budget (pocketflow.learn.mac-fraction, e.g. 0.5)");
    }

    /** The average bits, or an error naming what {@code learner} needs. */
    public double requireAverageBits(String learner) {
        return require(averageBits, learner, "a bit budget (pocketflow.learn.average-bits, e.g. 4)");
    }

    /** The sparsity, or an error naming what {@code learner} needs. */
    public double requireSparsity(String learner) {
        return require(sparsity, learner, "a sparsity budget (pocketflow.learn.sparsity, e.g. 0.75)");
    }

    private static double require(double v, String learner, String what) {
        if (Double.isNaN(v)) {
            throw new IllegalArgumentException(learner + " needs " + what + ", and none was given");
        }
        return v;
    }
}
