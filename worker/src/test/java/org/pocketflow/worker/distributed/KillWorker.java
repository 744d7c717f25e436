package org.pocketflow.worker.distributed;

/**
 * Kills one worker's thread (by throwing {@link Killed}) after it pushed a given number of
 * gradients, on its first attempt only.
 *
 * @param workerId the victim
 * @param afterSteps how many pushes it makes first
 */
record KillWorker(int workerId, long afterSteps) implements WorkerHook {

    /** What a killed worker's thread ends with. */
    static final class Killed extends RuntimeException {
        Killed(String message) {
            super(message);
        }
    }

    @Override
    public void afterPush(int worker, int attempt, long step) {
        if (worker == workerId && attempt == 0 && step + 1 >= afterSteps) {
            throw new Killed("worker " + worker + " killed by the test after " + afterSteps + " steps");
        }
    }
}
