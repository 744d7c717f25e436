package org.pocketflow.driver.study;

import java.util.List;

/**
 * Where a study's history lives, durably, so that a restarted driver resumes it: every state
 * change of every trial, in order. One of the extension points of the study;
 * {@link JsonLinesTrialStore} keeps it in the run directory on any Hadoop file system.
 *
 * <p><b>Call order.</b> {@link #load} once when a study (or its resumption) starts, then
 * {@link #append} for every change, from the scheduler's thread. Implementations are
 * thread-safe nonetheless ({@link #load} may be called while a study runs, e.g. by a progress
 * reader). A record is durable once {@code append} returns: a driver that dies after that loses
 * nothing of it. Records are never changed or removed.
 */
public interface TrialStore {
    /** Records {@code record} durably, after every record appended before it. */
    void append(TrialRecord record);

    /** Every record, in the order appended; empty for a new study. */
    List<TrialRecord> load();
}
