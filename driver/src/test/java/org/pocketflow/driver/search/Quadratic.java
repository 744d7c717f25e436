package org.pocketflow.driver.search;

import java.util.function.ToDoubleFunction;

/** The behavioural tests' problem: maximise −((x − 0.3)² + (y + 0.2)²) on [−1, 1]², optimum 0. */
final class Quadratic {
    static final SearchSpace SPACE = SearchSpace.builder().continuous("x", -1, 1).continuous("y", -1, 1).build();
    static final ToDoubleFunction<Point> OBJECTIVE = p -> -(Math.pow(p.getDouble("x") - 0.3, 2)
            + Math.pow(p.getDouble("y") + 0.2, 2));
    /** Trials per study and seeds per sampler in the behavioural tests. */
    static final int TRIALS = 40;
    static final int SEEDS = 11;

    private Quadratic() {
    }

    /** @return the median over {@link #SEEDS} seeds of random search's best after {@link #TRIALS} trials */
    static double randomMedianBest() {
        return SamplerContract.medianBest(RandomSampler::new, SPACE, OBJECTIVE, TRIALS, SEEDS);
    }
}
