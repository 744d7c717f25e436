package org.pocketflow.tests;

import org.pocketflow.worker.distributed.WorkerHook;

/**
 * Halts the executor JVM of one worker (as a crash or an OOM kill would) after it pushed a
 * given number of gradients, on the task's first attempt only.
 *
 * @param workerId the victim
 * @param afterSteps pushes before the halt
 */
record HaltExecutor(int workerId, long afterSteps) implements WorkerHook {
    @Override
    public void afterPush(int worker, int attempt, long step) {
        if (worker == workerId && attempt == 0 && step + 1 >= afterSteps) {
            Runtime.getRuntime().halt(137);
        }
    }
}
