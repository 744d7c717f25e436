package org.pocketflow.driver.study;

import java.util.List;

import org.pocketflow.driver.search.TrialState;

/** The live progress line of a study: done, running, failed, stopped early, best so far, ETA. */
final class StudyProgress {
    private StudyProgress() {
    }

    /**
     * @param running      jobs in flight now
     * @param trialSeconds wall time of each trial finished this session (its ETA basis)
     */
    static String line(StudyState state, int running, StudySettings s, List<Double> trialSeconds) {
        long complete = state.count(TrialState.COMPLETE);
        long failed = state.count(TrialState.FAILED);
        long pruned = state.count(TrialState.PRUNED);
        long done = complete + failed + pruned;
        String best = state.best().map(b -> String.format("best validation %.4f (trial %d)", b.objective(), b.trial()))
                .orElse("no trial complete yet");
        long remaining = Math.max(0, s.trials() - done);
        String eta;
        if (remaining == 0) {
            eta = "0s";
        } else if (trialSeconds.isEmpty()) {
            eta = "unknown";
        } else {
            double mean = trialSeconds.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            eta = duration(mean * Math.ceil(remaining / (double) s.parallelism()));
        }
        return String.format("study: %d/%d done (%d complete, %d stopped early, %d failed), %d running; %s; ETA %s",
                done, s.trials(), complete, pruned, failed, running, best, eta);
    }

    private static String duration(double seconds) {
        long sec = Math.round(seconds);
        return sec >= 3600 ? String.format("%dh%02dm", sec / 3600, sec % 3600 / 60)
                : String.format("%dm%02ds", sec / 60, sec % 60);
    }
}
