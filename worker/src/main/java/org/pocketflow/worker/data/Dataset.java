package org.pocketflow.worker.data;

import java.util.List;

/**
 * A labelled image-classification dataset with a fixed train and test split, loaded into
 * memory as {@link ImageSet}s.
 *
 * <p>One implementation per storage format held in memory. {@link IdxDataset} reads the four
 * IDX files of (Fashion-)MNIST. Image folders and TFRecord shards, which may be larger than
 * the heap, are streamed instead ({@code org.pocketflow.worker.data.stream.StreamingDataset}).
 *
 * <p>Contract: a {@code Dataset} is immutable once constructed and safe to share between
 * threads; {@link #train()} and {@link #test()} return the same immutable sets on every
 * call. All files are read through Hadoop's {@code FileSystem}, so any URI Hadoop knows
 * ({@code file://}, {@code hdfs://}) works, and a path without a scheme means the local file
 * system. Problems reading the data are reported as {@link DatasetException}.
 */
public interface Dataset {

    /** @return a short, stable name for reports and provenance, e.g. {@code fashion-mnist} */
    String name();

    /** @return the shape of every image, channels x height x width */
    ImageShape shape();

    /** @return the number of classes; labels lie in {@code [0, classes())} */
    int classes();

    /** @return the training split (possibly limited when the dataset was opened) */
    ImageSet train();

    /** @return the test split (possibly limited when the dataset was opened) */
    ImageSet test();

    /**
     * @return the fully qualified URIs of the files this dataset was read from, in the fixed
     *     order that {@link #sha256()} hashes them
     */
    List<String> sourceFiles();

    /**
     * @return lower-case hex SHA-256 over the raw bytes (as stored, compressed or not) of all
     *     {@link #sourceFiles()} concatenated in their listed order. It covers whole files
     *     even when the dataset was opened with limits, so it identifies the source data for
     *     provenance, not the subset used.
     */
    String sha256();
}
