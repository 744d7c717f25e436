package org.pocketflow.worker.learn.sparse;

/**
 * The gradual pruning schedule of Zhu and Gupta 2017 ("To prune, or not to prune", eq. 1):
 * {@code s_t = s_f * (1 - (1 - (t - t_b) / (t_e - t_b))^3)} for {@code t_b <= t <= t_e}, 0 before
 * and {@code s_f} after. Pruning is fast at first, while redundant weights abound, and slows
 * as the target nears.
 *
 * @param beginStep {@code t_b}
 * @param endStep   {@code t_e}, after {@code t_b}
 */
public record GradualSchedule(long beginStep, long endStep) {
    public GradualSchedule {
        if (beginStep < 0 || endStep <= beginStep) {
            throw new IllegalArgumentException("sparsity schedule needs 0 <= begin < end, but got begin " + beginStep
                    + " end " + endStep);
        }
    }

    /** The schedule over a run of {@code totalSteps}: from step 0 to {@code rampFraction} of the run. */
    public static GradualSchedule over(long totalSteps, double rampFraction) {
        return new GradualSchedule(0, Math.max(1, Math.round(totalSteps * rampFraction)));
    }

    /** Sparsity at step {@code t} for the final sparsity {@code finalSparsity}. */
    public double sparsityAt(long t, double finalSparsity) {
        if (t <= beginStep) {
            return 0;
        }
        if (t >= endStep) {
            return finalSparsity;
        }
        double progress = (t - beginStep) / (double) (endStep - beginStep);
        double rest = 1 - progress;
        return finalSparsity * (1 - rest * rest * rest);
    }
}
