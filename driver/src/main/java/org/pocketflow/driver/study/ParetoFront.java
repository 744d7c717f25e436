package org.pocketflow.driver.study;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.pocketflow.driver.search.TrialState;
import org.pocketflow.worker.task.TrialResult;

/**
 * The trials no other trial beats on every count: validation accuracy (higher is better),
 * multiply-adds and packed bytes (lower is better). Only complete trials take part. A trial is
 * dominated when another is at least as good on all three and better on one.
 */
final class ParetoFront {
    private ParetoFront() {
    }

    /** The non-dominated complete trials, by decreasing accuracy. */
    static List<TrialRecord> of(List<TrialRecord> trials) {
        List<TrialRecord> complete = trials.stream()
                .filter(t -> t.state() == TrialState.COMPLETE && t.result() != null).toList();
        List<TrialRecord> front = new ArrayList<>();
        for (TrialRecord t : complete) {
            if (complete.stream().noneMatch(o -> dominates(o.result(), t.result()))) {
                front.add(t);
            }
        }
        front.sort(Comparator.comparingDouble(TrialRecord::objective).reversed()
                .thenComparingInt(TrialRecord::trial));
        return front;
    }

    static boolean dominates(TrialResult a, TrialResult b) {
        boolean noWorse = a.validationAccuracy() >= b.validationAccuracy() && a.macs() <= b.macs()
                && a.packedBytes() <= b.packedBytes();
        boolean better = a.validationAccuracy() > b.validationAccuracy() || a.macs() < b.macs()
                || a.packedBytes() < b.packedBytes();
        return noWorse && better;
    }
}
