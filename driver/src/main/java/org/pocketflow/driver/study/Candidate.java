package org.pocketflow.driver.study;

import java.util.Map;

import org.pocketflow.worker.learn.FineTuneSpec;

/**
 * What a sampler's point means to the learner: per-knob settings that meet the budget (the
 * learner's {@code meetBudget} applied on the driver, so the budget holds by construction) and
 * the fine-tuning to give the compressed network. Immutable.
 *
 * @param settings per knob, the value to apply
 * @param fineTune fine-tuning, with the trial's own seed
 */
public record Candidate(Map<String, Double> settings, FineTuneSpec fineTune) {
    public Candidate {
        settings = Map.copyOf(settings);
    }
}
