package org.pocketflow.driver.search;

import java.util.List;

/**
 * Proposes the next point to evaluate from what a study has seen so far. One implementation per
 * algorithm: {@link RandomSampler}, {@link TpeSampler}, {@link GpSampler}, {@link DdpgSampler}.
 *
 * <p><b>Call order.</b> The study calls {@link #propose} once per new trial, with the same space
 * every time and the whole history: every trial proposed so far, whatever its state, in any
 * order (samplers sort by {@link Trial#number()}). The study owns the history; a sampler never
 * changes it nor keeps a reference to it. The objective is maximised.
 *
 * <p><b>Reproducibility.</b> A sampler is seeded through its constructor and uses no global
 * randomness. A proposal is a function of (seed, space, history) alone: the same seed and the same
 * history give the same point, on a fresh instance as on one that has proposed before, so a study
 * can be replayed from its trial store. The random stream of a proposal is derived from the seed
 * and the history's size (the number the new trial gets), never from earlier draws.
 *
 * <p><b>Parallel trials.</b> Up to P trials may run at once, so the history may hold
 * {@link TrialState#RUNNING} trials; each sampler says how it keeps from proposing their points
 * again (at least, a running trial changes the history's size and so the random stream).
 * {@link TrialState#FAILED} trials carry no objective and are accepted.
 *
 * <p><b>Mutable state.</b> Whatever a sampler caches (e.g. {@link DdpgSampler}'s networks) is
 * derived from the history, belongs to that instance and is rebuilt when the history is not an
 * extension of the one it was derived from. Calls must come from one thread at a time.
 */
public interface Sampler {

    /**
     * @param space   the space to propose in
     * @param history every trial of the study so far; may be empty
     * @return a point of {@code space}
     * @throws IllegalArgumentException when a trial's params do not belong to {@code space}
     */
    Point propose(SearchSpace space, List<Trial> history);
}
