package org.pocketflow.driver.search;

/** Where a {@link Trial} is in its life. */
public enum TrialState {
    /** Proposed and not finished; it has no objective yet. */
    RUNNING,
    /** Finished with an objective value. */
    COMPLETE,
    /** Threw, produced a NaN or ran out of time; it has no objective. */
    FAILED,
    /** Stopped early by a pruner; its objective, if present, is the last value it reported. */
    PRUNED
}
