package org.pocketflow.worker.task;

import java.util.List;
import java.util.Map;

import org.pocketflow.worker.eval.Latency;
import org.pocketflow.worker.model.LayerInfo;
import org.pocketflow.worker.train.EpochStats;

/**
 * What an executor reports about the base model it produced; the driver turns it into
 * {@code report.json}.
 *
 * @param model           architecture name, or the user's model URI
 * @param dataset         dataset name, sizes and SHA-256
 * @param testAccuracy    top-1 accuracy on the test set
 * @param testLoss        mean cross-entropy on the test set
 * @param validationAccuracy top-1 accuracy on the held-out validation split (NaN if none)
 * @param macs            multiply-adds per image
 * @param parameters      parameter count
 * @param serializedBytes bytes of the DL4J model zip
 * @param latency         measured inference latency
 * @param epochs          per-epoch training figures (empty when a given model was evaluated only)
 * @param trainSeconds    wall time of training
 * @param normalization   pixel scaling the model expects ({@code Normalizer.describe()}: source, per-channel
 *                        mean and std of pixel/255 and on the raw 0..255 scale)
 * @param backend         ND4J backend facts (oneDNN on/off, BLAS, threads)
 * @param layers          per-layer cost table
 * @param modelFile       URI of the written model zip
 * @param compressed      the compressed model's figures; {@code null} when none was asked for
 * @param warnings        lines the user should read, e.g. a given model that scores near chance
 */
public record BaselineResult(String model, DatasetFacts dataset, double testAccuracy, double testLoss,
                             double validationAccuracy, long macs, long parameters, long serializedBytes,
                             Latency latency, List<EpochStats> epochs, double trainSeconds,
                             Map<String, Object> normalization, Map<String, String> backend,
                             List<LayerInfo> layers, String modelFile, CompressionResult compressed,
                             List<String> warnings) {

    /**
     * Dataset identity for provenance.
     *
     * @param name      dataset name
     * @param uri       where it was read from
     * @param sha256    SHA-256 over its source files
     * @param train     training images used
     * @param validation validation images held out
     * @param test      test images
     * @param format    {@code idx}, {@code image-folder} or {@code tfrecord}
     * @param corrupt   images and shards skipped as corrupt ({@code pocketflow.data.skip-corrupt})
     * @param classNames an image folder's class folders, output {@code i} at {@code i}; empty for
     *                  IDX files and TFRecord shards, whose output {@code i} is label {@code i}
     */
    public record DatasetFacts(String name, String uri, String sha256, int train, int validation, int test,
                               String format, long corrupt, List<String> classNames) {
        public DatasetFacts {
            classNames = List.copyOf(classNames);
        }

        /** Facts of an IDX data set, read whole (nothing skipped). */
        public DatasetFacts(String name, String uri, String sha256, int train, int validation, int test) {
            this(name, uri, sha256, train, validation, test, "idx", 0, List.of());
        }
    }
}
