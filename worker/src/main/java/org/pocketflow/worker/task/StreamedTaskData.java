package org.pocketflow.worker.task;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.CalibrationSet;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.data.stream.StreamingBatches;
import org.pocketflow.worker.data.stream.StreamingDataset;
import org.pocketflow.worker.data.stream.Unit;
import org.pocketflow.worker.train.EpochData;
import org.pocketflow.worker.train.StreamingEpochs;

/**
 * {@link TaskData} of an image folder or TFRecord shards, streamed: training epochs decoded and
 * augmented as they are read, evaluation resized and centre-cropped, the calibration set the
 * first images of epoch 0's file order (so the classes mix; a class folder's files are listed
 * together), centre-cropped and gathered batch by batch ({@link CalibrationSet}). Counts what skip mode skipped.
 */
final class StreamedTaskData implements TaskData {
    /** Training images (centre crops) that the {@code fit} scaling of grey data is computed on. */
    static final int FIT_IMAGES = 512;

    private final StreamingDataset data;
    private final long seed;
    private final AtomicLong corrupt = new AtomicLong();

    StreamedTaskData(StreamingDataset data, long seed) {
        this.data = data;
        this.seed = seed;
    }

    /** @return the listed data set */
    StreamingDataset dataset() {
        return data;
    }

    /** @return the counter of skipped images and shards, shared by every reader of this data */
    AtomicLong corruptCounter() {
        return corrupt;
    }

    @Override
    public String name() {
        return data.name();
    }

    @Override
    public String sha256() {
        return data.sha256();
    }

    @Override
    public ImageShape shape() {
        return data.shape();
    }

    @Override
    public int classes() {
        return data.classes();
    }

    @Override
    public long trainImages() {
        return data.trainImages();
    }

    @Override
    public long validationImages() {
        return data.validationImages();
    }

    @Override
    public Normalizer defaultScaling() {
        return data.shape().channels() == 3 ? Normalizer.IMAGENET : Normalizer.fit(sample());
    }

    @Override
    public DataSet calibration(int images, Normalizer norm) {
        int n = (int) Math.min(images, data.trainImages());
        List<Unit> order = StreamingDataset.partition(data.train(), seed, 0, 0, 1);
        try (StreamingBatches batches = batches(order, CalibrationSet.BATCH, norm)) {
            return CalibrationSet.gather(batches, n, data.shape(), data.classes());
        }
    }

    @Override
    public EpochData train(Normalizer norm, int batchSize, long seed) {
        return new StreamingEpochs(data.train(), data.trainImages(), data.options(), data.classes(), norm, batchSize,
                seed, 0, 1, corrupt);
    }

    @Override
    public Iterator<DataSet> validation(Normalizer norm) {
        return batches(data.validation(), EVAL_BATCH, norm);
    }

    @Override
    public Iterator<DataSet> test(Normalizer norm) {
        return batches(data.test(), EVAL_BATCH, norm);
    }

    @Override
    public long corrupt() {
        return corrupt.get();
    }

    private StreamingBatches batches(List<Unit> units, int batchSize, Normalizer norm) {
        return new StreamingBatches(units, data.options(), data.classes(), batchSize, norm, false, 0, 0, corrupt);
    }

    /** The first {@link #FIT_IMAGES} training images, centre-cropped, as a small in-memory set to fit a scaling on. */
    ImageSet sample() {
        int pixels = data.shape().pixels();
        int n = 0;
        byte[] bytes = new byte[FIT_IMAGES * pixels];
        try (StreamingBatches batches = batches(data.train(), FIT_IMAGES, Normalizer.NONE)) {
            if (batches.hasNext()) {
                DataSet first = batches.next();
                float[] f = first.getFeatures().data().asFloat();
                n = first.numExamples();
                for (int i = 0; i < n * pixels; i++) {
                    bytes[i] = (byte) Math.round(f[i]);
                }
            }
        }
        return ImageSet.of(data.shape(), 256, java.util.Arrays.copyOf(bytes, n * pixels), new byte[n]);
    }
}
