package org.pocketflow.worker.task;

import java.util.concurrent.CancellationException;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.train.StepHook;

/**
 * Ends a fine-tuning run at the next step once its thread is interrupted: Spark interrupts a
 * task's thread when its job group is cancelled (a trial cancelled, timed out or stopped with
 * the driver), and DL4J's training loop never looks at the flag itself.
 */
final class CancellationHook implements StepHook {
    private final int trial;

    CancellationHook(int trial) {
        this.trial = trial;
    }

    @Override
    public void beforeStep(ComputationGraph graph, long step, long totalSteps) {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("trial " + trial + " cancelled at step " + step + " of " + totalSteps);
        }
    }
}
