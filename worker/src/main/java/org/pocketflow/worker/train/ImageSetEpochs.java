package org.pocketflow.worker.train;

import java.util.Iterator;

import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;

/** Adapts an {@link ImageSet} to the trainer: normalised, shuffled by (seed, epoch). */
public record ImageSetEpochs(ImageSet images, Normalizer normalizer, int batchSize, long seed) implements EpochData {
    @Override
    public Iterator<DataSet> epoch(int epoch) {
        return images.batches(batchSize, normalizer, seed, epoch);
    }

    @Override
    public long size() {
        return images.size();
    }
}
