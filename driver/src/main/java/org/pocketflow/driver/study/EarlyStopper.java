package org.pocketflow.driver.study;

import java.util.List;

/**
 * Decides, at the end of each rung of a trial's fine-tuning, whether the trial goes on. One of
 * the study's extension points: {@link NopEarlyStopper} (every trial runs to the end) and
 * {@link SuccessiveHalvingEarlyStopper}. Not called a "pruner": pruning means channels here.
 *
 * <p><b>Call order.</b> The scheduler asks {@link #rungs} and {@link #rungEnd} to cut a trial's
 * fine-tuning into slices (rung {@code r} ends after {@code rungEnd(r)} of the steps; the last
 * rung ends at 1). When a trial finishes a rung other than the last, the scheduler calls
 * {@link #promote} with the validation accuracies of every trial that has finished that rung so
 * far, this one included. A promoted trial's next rung continues from the checkpoint its rung
 * left in the run directory; a trial not promoted is recorded as stopped early (PRUNED).
 *
 * <p><b>State.</b> Implementations are immutable: everything they decide on is passed in, and the
 * scheduler rebuilds it from the trial store on resumption, so a resumed study decides as the
 * uninterrupted one would have.
 */
public interface EarlyStopper {
    /** Number of rungs, at least 1. */
    int rungs();

    /** Fraction of the fine-tuning steps done at the end of rung {@code rung}; increasing, 1 for the last. */
    double rungEnd(int rung);

    /**
     * @param rung      the rung just finished, below {@code rungs() - 1}
     * @param value     the trial's validation accuracy there (maximised)
     * @param atRung    validation accuracies of every trial that finished {@code rung}, {@code value} included
     * @return whether the trial runs its next rung
     */
    boolean promote(int rung, double value, List<Double> atRung);
}
