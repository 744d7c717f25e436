package org.pocketflow.worker.distributed;

import java.io.Serializable;

/**
 * Called by a {@link PartitionTrainer} after each gradient it pushed: the place for fault
 * injection in tests (a worker that stalls or dies after k steps) and for observers.
 *
 * <p>Shipped to executors inside the {@link DistributedRequest}, so implementations are
 * serializable, immutable and on the executors' class path. Called on the worker's thread; an
 * exception or a long call is the worker's own failure or stall, as the server sees it.
 */
public interface WorkerHook extends Serializable {

    /**
     * @param workerId the worker's id
     * @param attempt the Spark task attempt (0 for the first), or 0 outside Spark
     * @param step the parameter version the pushed gradient was computed on
     */
    void afterPush(int workerId, int attempt, long step);
}
