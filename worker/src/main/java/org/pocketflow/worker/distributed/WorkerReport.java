package org.pocketflow.worker.distributed;

import java.io.Serializable;

/**
 * What one worker did; immutable, sent back to the driver.
 *
 * @param workerId the worker's id
 * @param attempt the Spark task attempt (0 for the first)
 * @param outcome how it ended
 * @param detail why it left early ("" when it finished)
 * @param steps gradients pushed
 * @param samples images those gradients were computed on
 * @param bytesSent encoded gradient bytes pushed (the codec's messages, without frame headers)
 * @param meanLoss the mean minibatch loss over its steps (NaN when none)
 * @param computeSeconds time spent computing and encoding gradients
 * @param waitSeconds time spent waiting for parameters
 */
public record WorkerReport(int workerId, int attempt, Outcome outcome, String detail, long steps, long samples, long bytesSent,
                           double meanLoss, double computeSeconds, double waitSeconds) implements Serializable {

    /** How a worker's run ended. */
    public enum Outcome {
        /** It received the final parameters. */
        FINISHED,
        /** It stopped before the end: dropped by the server, or the server went away. */
        LEFT
    }
}
