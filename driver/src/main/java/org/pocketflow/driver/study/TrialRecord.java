package org.pocketflow.driver.study;

import java.util.Map;
import java.util.Objects;

import org.pocketflow.driver.search.Point;
import org.pocketflow.driver.search.Trial;
import org.pocketflow.driver.search.TrialState;
import org.pocketflow.worker.task.TrialResult;

/**
 * One state change of one trial, as the {@link TrialStore} keeps it: a trial started or was
 * promoted (RUNNING), finished (COMPLETE), was stopped early (PRUNED) or failed (FAILED). The
 * latest record of a trial is its state. Immutable.
 *
 * @param trial     the trial's number
 * @param state     the state it entered
 * @param rung      the last rung it finished (-1 before its first)
 * @param point     the sampler's point, name to value (Double, Integer or String)
 * @param objective validation accuracy at {@code rung}; NaN when there is none
 * @param reason    why it failed or stopped; "" otherwise
 * @param result    the executor's report of the rung just finished; null when there is none
 * @param session   which driver session wrote it (0 = the first run, 1 = the first resume, ...)
 * @param millis    wall-clock time of the change, milliseconds since the epoch
 */
public record TrialRecord(int trial, TrialState state, int rung, Map<String, Object> point, double objective,
                          String reason, TrialResult result, int session, long millis) {
    public TrialRecord {
        Objects.requireNonNull(state, "state");
        point = new Point(point).values();
        reason = reason == null ? "" : reason;
    }

    /** The sampler's view of this trial. */
    public Trial toTrial() {
        Point p = new Point(point);
        return switch (state) {
            case RUNNING -> Trial.running(trial, p);
            case COMPLETE -> Trial.complete(trial, p, objective);
            case FAILED -> Trial.failed(trial, p);
            case PRUNED -> Trial.pruned(trial, p, objective);
        };
    }
}
