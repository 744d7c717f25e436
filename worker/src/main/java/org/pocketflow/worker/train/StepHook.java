package org.pocketflow.worker.train;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Keeps a compression constraint in force while a network trains: quantization-aware training
 * swaps quantized weights in before a step and folds the update back into full-precision shadow
 * weights after it (straight-through estimator); sparsity re-applies its masks after each step.
 *
 * <p>Call order, by {@link Trainer#fit(ComputationGraph, EpochData, StepHook)}: for every step
 * {@code t = 0, 1, ..., totalSteps - 1}: {@link #beforeStep}, one optimizer step on one minibatch,
 * {@link #afterStep}; once at the end {@link #finish}. A hook owns its own state (shadow weights,
 * masks) and belongs to one training run of one network; it is not thread-safe.
 *
 * <p><b>Checkpoints.</b> Between {@link #beforeStep} of step {@code t} and the optimizer step, a
 * hook's state can be written ({@link #saveState}) and later read into a fresh hook of the same
 * run ({@link #restoreState}, before any other call), which then continues with the optimizer step
 * {@code t} as the first would have. {@link HookState} frames it (name, version, checksum); a hook
 * whose layout changes changes its {@link #stateName()}.
 */
public interface StepHook {
    /** The hook that does nothing. */
    StepHook NONE = new StepHook() {
        @Override
        public String stateName() {
            return "none";
        }
    };

    /** Before step {@code step} of {@code totalSteps}; may overwrite parameters of {@code graph}. */
    default void beforeStep(ComputationGraph graph, long step, long totalSteps) {
    }

    /** After the optimizer has updated {@code graph}'s parameters in step {@code step}. */
    default void afterStep(ComputationGraph graph, long step, long totalSteps) {
    }

    /** After the last step: leave {@code graph} holding the final constrained parameters. */
    default void finish(ComputationGraph graph) {
    }

    /** Names this hook's state layout (with its version); a state only restores into an equal name. */
    default String stateName() {
        return getClass().getSimpleName();
    }

    /** Writes the state this hook keeps across steps; nothing by default (a hook without state). */
    default void saveState(DataOutput out) throws IOException {
    }

    /**
     * Reads what {@link #saveState} wrote, in place of any state this hook has built.
     *
     * @throws IllegalStateException if the state does not fit this hook's network
     */
    default void restoreState(DataInput in) throws IOException {
    }

    /** This hook, then {@code next}, at every call ({@code finish}, saving and restoring state in the same order). */
    default StepHook andThen(StepHook next) {
        StepHook first = this;
        return new StepHook() {
            @Override
            public void beforeStep(ComputationGraph graph, long step, long totalSteps) {
                first.beforeStep(graph, step, totalSteps);
                next.beforeStep(graph, step, totalSteps);
            }

            @Override
            public void afterStep(ComputationGraph graph, long step, long totalSteps) {
                first.afterStep(graph, step, totalSteps);
                next.afterStep(graph, step, totalSteps);
            }

            @Override
            public void finish(ComputationGraph graph) {
                first.finish(graph);
                next.finish(graph);
            }

            @Override
            public String stateName() {
                return first.stateName() + "+" + next.stateName();
            }

            @Override
            public void saveState(DataOutput out) throws IOException {
                first.saveState(out);
                next.saveState(out);
            }

            @Override
            public void restoreState(DataInput in) throws IOException {
                first.restoreState(in);
                next.restoreState(in);
            }
        };
    }
}
