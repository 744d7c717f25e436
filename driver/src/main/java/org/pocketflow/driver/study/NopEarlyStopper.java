package org.pocketflow.driver.study;

import java.util.List;

/** Stops nothing: one rung, the whole fine-tuning. */
public final class NopEarlyStopper implements EarlyStopper {
    @Override
    public int rungs() {
        return 1;
    }

    @Override
    public double rungEnd(int rung) {
        if (rung != 0) {
            throw new IllegalArgumentException("no early stopping has one rung (0), not " + rung);
        }
        return 1.0;
    }

    @Override
    public boolean promote(int rung, double value, List<Double> atRung) {
        return true;
    }
}
