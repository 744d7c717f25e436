package org.pocketflow.worker.data;

import java.util.Iterator;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Gathers calibration images batch by batch into one array, so that they exist once: built as a
 * single batch, 1024 images at 224x224x3 existed twice (616 MB as a float array on the heap while
 * their native copy was made). Stateless.
 */
public final class CalibrationSet {
    /** Images per batch read while a calibration set is filled. */
    public static final int BATCH = 64;

    private CalibrationSet() {
    }

    /**
     * The first {@code n} images of {@code batches} (fewer when they end first) with their labels.
     *
     * @param batches batches of {@code shape} images and {@code classes} one-hot labels; read only
     *                as far as needed, and the caller closes them if they hold threads
     */
    public static DataSet gather(Iterator<DataSet> batches, int n, ImageShape shape, int classes) {
        INDArray features;
        INDArray labels;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            features = Nd4j.create(DataType.FLOAT, n, shape.channels(), shape.height(), shape.width());
            labels = Nd4j.create(DataType.FLOAT, n, classes);
            int filled = 0;
            while (filled < n && batches.hasNext()) {
                DataSet b = batches.next();
                int take = Math.min(b.numExamples(), n - filled);
                features.get(NDArrayIndex.interval(filled, filled + take))
                        .assign(b.getFeatures().get(NDArrayIndex.interval(0, take)));
                labels.get(NDArrayIndex.interval(filled, filled + take))
                        .assign(b.getLabels().get(NDArrayIndex.interval(0, take)));
                filled += take;
            }
            if (filled < n) {
                // skip mode dropped images that the listing counted: keep what was read
                features = features.get(NDArrayIndex.interval(0, filled)).dup('c');
                labels = labels.get(NDArrayIndex.interval(0, filled)).dup('c');
            }
        }
        return new DataSet(features, labels);
    }
}
