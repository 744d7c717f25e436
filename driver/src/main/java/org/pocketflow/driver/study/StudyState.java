package org.pocketflow.driver.study;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.pocketflow.driver.search.Trial;
import org.pocketflow.driver.search.TrialState;
import org.pocketflow.worker.task.TrialResult;

/**
 * A study's trials as the records in its store say: each trial's latest record, and every
 * rung's results. Built by folding {@link TrialRecord}s in order, so a resumed study sees exactly
 * what the interrupted one had stored. Owned by the scheduler's thread; not thread-safe.
 */
final class StudyState {
    private final Map<Integer, TrialRecord> latest = new TreeMap<>();
    private final Map<Integer, List<Double>> rungValues = new TreeMap<>();
    private int sessions;

    /** The state the records of a store describe. */
    static StudyState of(List<TrialRecord> records) {
        StudyState s = new StudyState();
        records.forEach(s::add);
        return s;
    }

    /** Folds in one more record. */
    void add(TrialRecord r) {
        latest.put(r.trial(), r);
        TrialResult res = r.result();
        if (res != null && TrialResult.COMPLETE.equals(res.status())) {
            rungValues.computeIfAbsent(res.rung(), k -> new ArrayList<>()).add(res.validationAccuracy());
        }
        sessions = Math.max(sessions, r.session() + 1);
    }

    /** The sessions that wrote records so far (the next session's number). */
    int sessions() {
        return sessions;
    }

    /** The number the next new trial gets. */
    int nextNumber() {
        return latest.isEmpty() ? 0 : ((TreeMap<Integer, TrialRecord>) latest).lastKey() + 1;
    }

    /** Trials started so far. */
    int size() {
        return latest.size();
    }

    /** The latest record of every trial, by number. */
    List<TrialRecord> trials() {
        return List.copyOf(latest.values());
    }

    /** The history a sampler reads. */
    List<Trial> history() {
        return latest.values().stream().map(TrialRecord::toTrial).toList();
    }

    /** Trials left RUNNING by an earlier session (none in the session that is running them). */
    List<TrialRecord> interrupted() {
        return latest.values().stream().filter(r -> r.state() == TrialState.RUNNING).toList();
    }

    /** Validation accuracies of every trial that finished {@code rung}. */
    List<Double> atRung(int rung) {
        return List.copyOf(rungValues.getOrDefault(rung, List.of()));
    }

    /** How many trials are in {@code state}. */
    long count(TrialState state) {
        return latest.values().stream().filter(r -> r.state() == state).count();
    }

    /** The complete trial with the best validation accuracy (lowest number on ties). */
    Optional<TrialRecord> best() {
        return latest.values().stream().filter(r -> r.state() == TrialState.COMPLETE)
                .max(Comparator.comparingDouble(TrialRecord::objective)
                        .thenComparing(Comparator.comparingInt(TrialRecord::trial).reversed()));
    }
}
