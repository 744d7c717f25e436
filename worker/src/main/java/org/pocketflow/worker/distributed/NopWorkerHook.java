package org.pocketflow.worker.distributed;

/** The hook that does nothing: what production runs use. */
public enum NopWorkerHook implements WorkerHook {
    INSTANCE;

    @Override
    public void afterPush(int workerId, int attempt, long step) {
        // nothing to observe
    }
}
