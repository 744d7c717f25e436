package org.pocketflow.worker.task;

import java.util.Iterator;

import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.data.stream.StreamOptions;
import org.pocketflow.worker.data.stream.StreamingDataset;
import org.pocketflow.worker.train.EpochData;

/**
 * The splits that a compression or a trial reads on an executor, whatever the format: training
 * epochs, a calibration set, validation and test batches. IDX data is held whole
 * ({@link IdxTaskData}); image folders and TFRecord shards are streamed ({@link StreamedTaskData}),
 * so nothing here grows with the data set but the calibration set, whose size the learner's keys
 * set.
 *
 * <p>Every iterator it hands out belongs to its caller's thread and must be read to its end (a
 * streamed one holds reading threads until then). The splits are the base model's: the
 * validation split is carved from the training data by the job seed, the test split is the
 * data set's own.
 */
public interface TaskData {
    /** Images per evaluation batch (does not affect results). */
    int EVAL_BATCH = BaselineRun.EVAL_BATCH;

    /**
     * Opens the data a task reads.
     *
     * @param uri                the data set's folder
     * @param options            format and, for streamed formats, how images are read
     * @param trainLimit         keep this many training images (IDX, image folders); 0 = all
     * @param testLimit          keep this many test images (IDX, image folders); 0 = all
     * @param validationFraction share of the training data held out for validation
     * @param seed               the job seed, which chose the base model's validation split
     */
    static TaskData open(String uri, StreamOptions options, int trainLimit, int testLimit, double validationFraction,
                         long seed) {
        if (options.streamed()) {
            return new StreamedTaskData(StreamingDataset.open(uri, options, validationFraction, seed, trainLimit,
                    testLimit), seed);
        }
        IdxDataset dataset = IdxDataset.open(uri, trainLimit, testLimit);
        return new IdxTaskData(dataset, dataset.train().split(validationFraction, seed));
    }

    /** @return the data set's name, for reports and provenance */
    String name();

    /** @return SHA-256 of the data set (IDX: the bytes; streamed: the listing) */
    String sha256();

    /** @return the network input */
    ImageShape shape();

    /** @return the number of classes */
    int classes();

    /** @return images in the training split */
    long trainImages();

    /** @return images in the validation split (0 when none is held out) */
    long validationImages();

    /**
     * The scaling a base model trained on this data gets when the job sets none: IDX fits it on
     * the training split; streamed RGB uses ImageNet's, streamed grey fits it on training images.
     */
    Normalizer defaultScaling();

    /**
     * Labelled calibration images: the first {@code images} training images of a seeded order
     * (all when there are fewer), resized and centre-cropped where streamed, scaled by
     * {@code norm}. Features {@code [n, C, H, W]} and one-hot labels.
     */
    DataSet calibration(int images, Normalizer norm);

    /** Training epochs of this worker's share, shuffled and (streamed) augmented from {@code seed}. */
    EpochData train(Normalizer norm, int batchSize, long seed);

    /** The validation split in order, scaled by {@code norm}; no batch when it is empty. */
    Iterator<DataSet> validation(Normalizer norm);

    /** The test split in order, scaled by {@code norm} ({@link Normalizer#NONE} gives raw pixels). */
    Iterator<DataSet> test(Normalizer norm);

    /** @return images and shards skipped as corrupt so far (skip mode); 0 for IDX */
    long corrupt();
}
