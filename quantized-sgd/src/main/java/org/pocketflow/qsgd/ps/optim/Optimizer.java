package org.pocketflow.qsgd.ps.optim;

/**
 * Applies aggregated gradients to the parameters on the server.
 *
 * <p><b>Call order and ownership.</b> The server creates one optimizer for its parameter vector
 * (from an immutable parameter record such as {@link SgdParams}), then calls {@link #apply} once
 * per step from its one thread, with steps 0, 1, 2, … (or from a checkpoint's step on). The
 * optimizer owns its state (velocities); {@link #state()} copies it for a checkpoint and {@link
 * #restore} loads one back before the first {@code apply}. An optimizer that keeps more than a
 * float vector (a learner's constraint kept around the update) hands it out as bytes in {@link
 * #extraState()}, and a resume gives it back through {@link #resume} right after {@link #restore}.
 * Not thread-safe.
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

    /**
     * A copy of the state beyond {@link #state()}, in a layout of the optimizer's own (versioned
     * and checked by it), written into the checkpoint as it is; empty for a plain optimizer.
     */
    default byte[] extraState() {
        return new byte[0];
    }

    /**
     * Resumes at the checkpoint of {@code step}: called once, after {@link #restore}, with the
     * checkpoint's parameters and its {@link #extraState()}.
     *
     * @throws IllegalStateException if the extra state cannot be restored here (this default: any)
     */
    default void resume(long step, float[] params, byte[] extra) {
        if (extra.length > 0) {
            throw new IllegalStateException("the checkpoint of step " + step + " carries " + extra.length
                    + " bytes of extra optimizer state that " + name() + " cannot restore");
        }
    }
}
