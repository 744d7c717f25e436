package org.pocketflow.worker.task;

import java.util.Iterator;
import java.util.NoSuchElementException;

import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.train.EpochData;

/**
 * Steps {@code [from, to)} of a longer run over {@code data}, as one epoch: the minibatches are
 * the ones the whole run would see at those steps (global step {@code k} is minibatch
 * {@code k mod stepsPerEpoch} of epoch {@code k / stepsPerEpoch}), so a run cut into rungs sees the
 * data in the same order as one that is not.
 */
final class StepRange implements EpochData {
    private final EpochData data;
    private final int batchSize;
    private final long stepsPerEpoch;
    private final long from;
    private final long to;

    StepRange(EpochData data, int batchSize, long from, long to) {
        if (!(0 <= from && from < to)) {
            throw new IllegalArgumentException("step range [" + from + ", " + to + ") is empty");
        }
        this.data = data;
        this.batchSize = batchSize;
        this.stepsPerEpoch = (data.size() + batchSize - 1) / batchSize;
        this.from = from;
        this.to = to;
    }

    @Override
    public Iterator<DataSet> epoch(int epoch) {
        if (epoch != 0) {
            throw new IllegalArgumentException("a step range is one epoch; asked for epoch " + epoch);
        }
        return new Iterator<>() {
            private long step = from;
            private int openEpoch = -1;
            private Iterator<DataSet> current;

            @Override
            public boolean hasNext() {
                return step < to;
            }

            @Override
            public DataSet next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int e = (int) (step / stepsPerEpoch);
                if (e != openEpoch) {
                    current = data.epoch(e);
                    for (long skip = step % stepsPerEpoch; skip > 0; skip--) {
                        current.next();
                    }
                    openEpoch = e;
                }
                step++;
                DataSet batch = current.next();
                if (step == to && current instanceof AutoCloseable streamed) {
                    // a slice that ends inside an epoch leaves a streamed epoch unread: stop its reading threads
                    close(streamed);
                }
                return batch;
            }
        };
    }

    private static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop reading the rest of an epoch", e);
        }
    }

    /** Sized so that the trainer counts {@code to - from} steps. */
    @Override
    public long size() {
        return (to - from) * batchSize;
    }
}
