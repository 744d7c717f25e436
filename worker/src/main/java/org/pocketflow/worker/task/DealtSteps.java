package org.pocketflow.worker.task;

import java.util.Iterator;

import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.train.EpochData;

/**
 * One worker's minibatches when {@code workers} workers share every step: each epoch's
 * minibatches (the order a one-worker run sees) are dealt round robin, so at global step {@code
 * k} worker {@code w} takes minibatch {@code (k mod S) * workers + w} of epoch {@code k / S},
 * where an epoch is {@code S = ceil(batches / workers)} steps. Together the workers see every
 * minibatch of the epoch once; where the epoch's count is not a multiple of {@code workers}, the
 * last step wraps round to its first minibatches. With one worker this is the one-worker order
 * ({@link StepRange}). Indexed by step, so a retried worker that rejoins at any step takes the
 * minibatch that step is owed. One thread; cheap when the steps asked for increase.
 */
final class DealtSteps {
    private final EpochData data;
    private final int worker;
    private final int workers;
    private final long batchesPerEpoch;
    private final long stepsPerEpoch;
    private int openEpoch = -1;
    private long position;
    private Iterator<DataSet> current;

    DealtSteps(EpochData data, int batchSize, int worker, int workers) {
        if (worker < 0 || worker >= workers) {
            throw new IllegalArgumentException("worker must be in [0, " + workers + "), but got " + worker);
        }
        this.data = data;
        this.worker = worker;
        this.workers = workers;
        this.batchesPerEpoch = (data.size() + batchSize - 1) / batchSize;
        this.stepsPerEpoch = (batchesPerEpoch + workers - 1) / workers;
    }

    /** The minibatch of global step {@code step}. */
    DataSet at(long step) {
        int epoch = (int) (step / stepsPerEpoch);
        long index = ((step % stepsPerEpoch) * workers + worker) % batchesPerEpoch;
        if (epoch != openEpoch || index < position) {
            current = data.epoch(epoch);
            openEpoch = epoch;
            position = 0;
        }
        for (; position < index; position++) {
            current.next();
        }
        position++;
        return current.next();
    }
}
