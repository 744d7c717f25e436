package org.pocketflow.driver.study;

import java.util.List;
import java.util.Optional;

import org.pocketflow.driver.search.TrialState;

/**
 * How a study (or one session of it) ended. Immutable.
 *
 * @param trials          every trial's latest record, by number, earlier sessions' included
 * @param stopReason      why the study stopped before its trials were done; "" when it did not
 * @param overheadSeconds per Spark job of this session: scheduling overhead (submit to task start,
 *                        plus task end to result recorded), the trial's own work excluded
 * @param trialsStarted   new trials this session started (resumed ones not counted)
 * @param jobsSubmitted   Spark jobs this session submitted (one per rung run)
 * @param session         this session's number (0 = the first run)
 */
public record StudyOutcome(List<TrialRecord> trials, String stopReason, List<Double> overheadSeconds,
                           int trialsStarted, int jobsSubmitted, int session) {
    public StudyOutcome {
        trials = List.copyOf(trials);
        overheadSeconds = List.copyOf(overheadSeconds);
    }

    /** The complete trial with the best validation accuracy. */
    public Optional<TrialRecord> best() {
        return StudyState.of(trials).best();
    }

    /** How many trials ended in {@code state}. */
    public long count(TrialState state) {
        return trials.stream().filter(t -> t.state() == state).count();
    }
}
