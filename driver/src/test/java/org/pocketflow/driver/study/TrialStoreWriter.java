package org.pocketflow.driver.study;

import java.util.Map;

import org.pocketflow.driver.search.TrialState;

/**
 * A writer process for {@link TrialStoreCrashTest}: appends records for trials {@code start},
 * {@code start + 1}, ... to the store at {@code args[0]} and prints each trial's number once its
 * append has returned (acknowledged), until it is killed.
 */
public final class TrialStoreWriter {
    private TrialStoreWriter() {
    }

    public static void main(String[] args) {
        JsonLinesTrialStore store = new JsonLinesTrialStore(args[0]);
        int start = Integer.parseInt(args[1]);
        for (int trial = start; trial < start + 100_000; trial++) {
            store.append(record(trial));
            System.out.println(trial);
            System.out.flush();
        }
    }

    static TrialRecord record(int trial) {
        return new TrialRecord(trial, TrialState.RUNNING, -1, Map.of("conv2", 0.5, "note", "x".repeat(trial % 300)),
                Double.NaN, "", null, 0, trial);
    }
}
