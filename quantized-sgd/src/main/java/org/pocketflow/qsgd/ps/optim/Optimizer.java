package org.pocketflow.qsgd.ps.optim;

/**
 * Applies aggregated gradients to the parameters on the server.
 *
 * <p><b>Call order and ownership.</b> The server creates one optimizer for its parameter vector
 * (from an immutable parameter record such as {@link SgdParams}), then calls {@link #apply} once
 * per step from its one thread, with steps 0, 1, 2, … (or from a checkpoint's step on). The
 * optimizer owns its state (velocities); {@link #state()} copies it for a checkpoint and {@link
 * #restore} loads one back before the first {@code apply}. Not thread-safe.
 */
public interface Optimizer {

    /** Names the algorithm and its hyper-parameters; a checkpoint only restores into an equal name. */
    String name();

    /**
     * Updates {@code params} in place from {@code gradient} (the mean over the contributing
     * workers) as optimizer step {@code step} (0 = the first update; schedules depend on it).
     */
    void apply(long step, float[] params, float[] gradient);

    /** A copy of the optimizer state, in the layout {@link #restore} reads. */
    float[] state();

    /** Replaces the state with a copy of {@code state}. */
    void restore(float[] state);
}
