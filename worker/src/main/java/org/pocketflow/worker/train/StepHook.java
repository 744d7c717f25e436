package org.pocketflow.worker.train;

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
 */
public interface StepHook {
    /** The hook that does nothing. */
    StepHook NONE = new StepHook() {
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

    /** This hook, then {@code next}, at every call ({@code finish} in the same order). */
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
        };
    }
}
