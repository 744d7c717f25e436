package org.pocketflow.driver.distributed;

import org.pocketflow.worker.distributed.WorkerHook;

/**
 * Every worker's first attempt dies (throws) after pushing {@code afterSteps} gradients: the
 * whole job fails as if the cluster went away.
 *
 * @param afterSteps pushes before the failure
 */
record KillAllWorkers(long afterSteps) implements WorkerHook {
    @Override
    public void afterPush(int workerId, int attempt, long step) {
        if (attempt == 0 && step + 1 >= afterSteps) {
            throw new IllegalStateException("worker " + workerId + " killed by the test after " + afterSteps + " steps");
        }
    }
}
