package org.pocketflow.driver.search;

import java.util.Objects;

/**
 * One entry of a study's history, immutable. The objective is <b>maximised</b> everywhere in this
 * package (an accuracy under the budget; to minimise a loss, give its negation). It is finite for
 * {@link TrialState#COMPLETE}, {@code NaN} for {@link TrialState#RUNNING} and
 * {@link TrialState#FAILED}, and either for {@link TrialState#PRUNED}.
 *
 * @param number    the trial's number in its study, from 0
 * @param params    the point that was evaluated
 * @param state     where the trial is
 * @param objective the value reached, or {@code NaN} when there is none
 */
public record Trial(int number, Point params, TrialState state, double objective) {
    public Trial {
        if (number < 0) {
            throw new IllegalArgumentException("trial number must be >= 0, but got " + number);
        }
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(state, "state");
        switch (state) {
            case COMPLETE -> {
                if (!Double.isFinite(objective)) {
                    throw new IllegalArgumentException("trial " + number + ": a complete trial needs a finite objective,"
                            + " but got " + objective + "; record a NaN or infinite result as FAILED");
                }
            }
            case RUNNING, FAILED -> {
                if (!Double.isNaN(objective)) {
                    throw new IllegalArgumentException("trial " + number + ": a " + state + " trial has no objective,"
                            + " but got " + objective + "; use NaN");
                }
            }
            case PRUNED -> {
                if (Double.isInfinite(objective)) {
                    throw new IllegalArgumentException("trial " + number + ": a pruned trial's objective must be finite"
                            + " or NaN, but got " + objective);
                }
            }
        }
    }

    /** @return a finished trial with its objective */
    public static Trial complete(int number, Point params, double objective) {
        return new Trial(number, params, TrialState.COMPLETE, objective);
    }

    /** @return a trial that is still being evaluated */
    public static Trial running(int number, Point params) {
        return new Trial(number, params, TrialState.RUNNING, Double.NaN);
    }

    /** @return a trial that failed */
    public static Trial failed(int number, Point params) {
        return new Trial(number, params, TrialState.FAILED, Double.NaN);
    }

    /** @return a trial stopped early, with its last reported value or {@code NaN} */
    public static Trial pruned(int number, Point params, double lastValue) {
        return new Trial(number, params, TrialState.PRUNED, lastValue);
    }

    /** @return whether the trial carries an objective value */
    public boolean hasObjective() {
        return !Double.isNaN(objective);
    }
}
