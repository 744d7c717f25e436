package org.pocketflow.driver.study;

import java.util.List;

/**
 * Asynchronous successive halving (ASHA; Li et al., "A System for Massively Parallel
 * Hyperparameter Tuning", MLSys 2020, algorithm 2; Jamieson and Talwalkar 2016 for the
 * synchronous form). With {@code R} rungs and reduction factor {@code eta}, rung {@code r} ends
 * after {@code eta^-(R-1-r)} of the fine-tuning steps. A trial that finishes rung {@code r} is
 * promoted when its accuracy is among the best {@code max(1, floor(n / eta))} of the {@code n}
 * trials that have finished that rung so far. The decision is taken at once, when the trial
 * reports (as Optuna's {@code SuccessiveHalvingPruner} does), instead of ASHA's waiting for a
 * free worker: with P trials in flight that differs only in which trial a slot serves next.
 * Early trials are promoted more easily than late ones; that is ASHA's known bias too.
 */
public final class SuccessiveHalvingEarlyStopper implements EarlyStopper {
    private final int rungs;
    private final int eta;

    /** @param rungs at least 1; @param eta at least 2 */
    public SuccessiveHalvingEarlyStopper(int rungs, int eta) {
        if (rungs < 1 || eta < 2) {
            throw new IllegalArgumentException("successive halving needs rungs >= 1 and eta >= 2, but got rungs "
                    + rungs + " and eta " + eta);
        }
        this.rungs = rungs;
        this.eta = eta;
    }

    @Override
    public int rungs() {
        return rungs;
    }

    @Override
    public double rungEnd(int rung) {
        if (rung < 0 || rung >= rungs) {
            throw new IllegalArgumentException("rung " + rung + " is outside 0.." + (rungs - 1));
        }
        return Math.pow(eta, -(rungs - 1 - rung));
    }

    @Override
    public boolean promote(int rung, double value, List<Double> atRung) {
        if (rung < 0 || rung >= rungs - 1) {
            throw new IllegalArgumentException("only rungs 0.." + (rungs - 2) + " promote, not " + rung);
        }
        int keep = Math.max(1, atRung.size() / eta);
        long better = atRung.stream().filter(v -> v > value).count();
        return better < keep;
    }
}
