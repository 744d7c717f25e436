package org.pocketflow.worker.train;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.data.stream.StreamOptions;
import org.pocketflow.worker.data.stream.StreamingBatches;
import org.pocketflow.worker.data.stream.StreamingDataset;
import org.pocketflow.worker.data.stream.Unit;

/**
 * Adapts streamed training data to the trainer: each epoch, this worker's share of the units
 * (dealt afresh by (seed, epoch)), decoded and augmented on a thread pool.
 *
 * @param units      the training split's units
 * @param images     images per epoch (of all workers together when {@code workers > 1}, divided evenly)
 * @param options    how the units are read
 * @param classes    number of classes
 * @param normalizer the pixel scaling
 * @param batchSize  images per batch
 * @param seed       order and augmentation seed
 * @param worker     this worker's index
 * @param workers    number of workers
 * @param corrupt    counts what skip mode skipped
 */
public record StreamingEpochs(List<Unit> units, long images, StreamOptions options, int classes,
                              Normalizer normalizer, int batchSize, long seed, int worker, int workers,
                              AtomicLong corrupt) implements EpochData {
    @Override
    public Iterator<DataSet> epoch(int epoch) {
        return new StreamingBatches(StreamingDataset.partition(units, seed, epoch, worker, workers), options, classes,
                batchSize, normalizer, true, seed, epoch, corrupt);
    }

    @Override
    public long size() {
        return images / workers;
    }
}
