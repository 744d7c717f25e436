package org.pocketflow.driver;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.pocketflow.conf.DataKeys;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.RunKeys;
import org.pocketflow.worker.data.DatasetException;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.Scaling;
import org.pocketflow.worker.data.HadoopFile;
import org.pocketflow.worker.data.stream.ExampleCodec;
import org.pocketflow.worker.data.stream.StreamingDataset;
import org.pocketflow.worker.data.stream.TfRecords;
import org.pocketflow.worker.io.HadoopConf;

/**
 * Checks of the data settings that need several keys or the data itself, run on the driver
 * before any Spark work: per-channel scaling values against the data's channels, and what the
 * streamed formats need (an image folder's layout and classes listed as the executor will).
 */
final class DataChecks {
    /** Records of the first training shard whose labels are checked before the job. */
    static final int LABEL_SAMPLE = 64;

    private DataChecks() {
    }

    /** Problems, one line each naming the key, the value and the fix; empty when all is well. */
    static List<String> problems(JobConfig config) {
        List<String> problems = new ArrayList<>();
        String format = config.get(DataKeys.FORMAT);
        if (!format.equals("idx")) {
            streamed(config, format, problems);
        }
        Scaling scaling;
        try {
            scaling = BaselineRequests.scaling(config);
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return problems;
        }
        if (!scaling.mode().equals("mean-std") && !(config.get(DataKeys.MEAN).isBlank()
                && config.get(DataKeys.STD).isBlank())) {
            problems.add(DataKeys.MEAN.name() + "/" + DataKeys.STD.name() + " are set, but "
                    + DataKeys.NORMALIZATION.name() + " = " + scaling.mode() + " ignores them. Fix: set "
                    + DataKeys.NORMALIZATION.name() + " = mean-std, or remove them");
        }
        if (scaling.mode().equals("mean-std")) {
            scaling.std().stream().filter(s -> !(s > 0)).findFirst().ifPresent(s -> problems.add(
                    DataKeys.STD.name() + " = " + config.get(DataKeys.STD) + ": every value must be > 0, but one is "
                            + s + ". Fix: give each channel's standard deviation on the x/255 scale"));
            channels(config, format).flatMap(scaling::problemFor).ifPresent(problems::add);
        }
        return problems;
    }

    private static void streamed(JobConfig config, String format, List<String> problems) {
        String head = DataKeys.FORMAT.name() + " = " + format + ": ";
        if (config.get(DataKeys.CHANNELS) == 2) {
            problems.add(DataKeys.CHANNELS.name() + " = 2: images decode to 1 (grey) or 3 (RGB) channels. Fix: set it "
                    + "to 1 or 3");
        }
        if (format.equals("tfrecord") && config.get(DataKeys.CLASSES) < 1) {
            problems.add(DataKeys.CLASSES.name() + " = 0: TFRecord shards do not say how many classes there are. "
                    + "Fix: set it, e.g. 1000 for ImageNet shards (with " + DataKeys.LABEL_OFFSET.name() + " = 1)");
        }
        if (format.equals("tfrecord") && (config.get(DataKeys.TRAIN_LIMIT) > 0 || config.get(DataKeys.TEST_LIMIT) > 0)) {
            problems.add(head + "train-limit and test-limit apply to idx and image-folder only. Fix: leave them 0, or "
                    + "write fewer shards");
        }
        if (format.equals("image-folder") && RunDirectory.pathExists(config.get(DataKeys.URI))) {
            folderProblems(config).ifPresent(problems::add);
        }
        if (format.equals("tfrecord") && config.get(DataKeys.CLASSES) > 0
                && RunDirectory.pathExists(config.get(DataKeys.URI))) {
            shardProblems(config).ifPresent(problems::add);
        }
    }

    /**
     * TFRecord shards there, and the labels of the first {@link #LABEL_SAMPLE} records of the first
     * training shard inside {@code [0, classes)} after the label offset: a wrong offset or class
     * count shows there in most data sets (not always: a 1-based label equal to the class count can
     * be rare, and then the job reports it when it reads it). A record without the image or label
     * feature is refused (every record of the shards lacks it); a shard that cannot be read is left
     * to the job, which skips or names it.
     */
    private static Optional<String> shardProblems(JobConfig config) {
        List<HadoopFile> files = HadoopFile.resolve(config.get(DataKeys.URI), HadoopConf.get()).list();
        List<HadoopFile> train = files.stream().filter(f -> f.name().startsWith("train-")).toList();
        if (train.isEmpty() || files.stream().noneMatch(f -> f.name().startsWith("validation-"))) {
            return Optional.of(DataKeys.URI.name() + " = " + config.get(DataKeys.URI) + ": no "
                    + (train.isEmpty() ? "train-*" : "validation-*") + " shards. Fix: point it at a folder of TFRecord "
                    + "shards train-NNNNN-of-NNNNN and validation-NNNNN-of-NNNNN");
        }
        int classes = config.get(DataKeys.CLASSES);
        int offset = config.get(DataKeys.LABEL_OFFSET);
        HadoopFile shard = train.get(0);
        try (TfRecords.Reader in = new TfRecords.Reader(shard.open(), shard.toString())) {
            byte[] record;
            for (int i = 0; i < LABEL_SAMPLE && (record = in.next()) != null; i++) {
                long label = ExampleCodec.decode(record, shard + " record " + i).label();
                if (label - offset < 0 || label - offset >= classes) {
                    return Optional.of(shard + " record " + i + ": label " + label + " minus "
                            + DataKeys.LABEL_OFFSET.name() + " = " + offset + " is outside [0, " + classes + ") ("
                            + DataKeys.CLASSES.name() + " = " + classes + "). Fix: set " + DataKeys.LABEL_OFFSET.name()
                            + " to the label of the first class (1 for TensorFlow's ImageNet shards, 0 for TFDS) and "
                            + DataKeys.CLASSES.name() + " to the number of classes");
                }
            }
        } catch (ExampleCodec.MissingFeature e) {
            return Optional.of(DataKeys.URI.name() + ": " + e.getMessage());
        } catch (IOException | DatasetException unreadable) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * The image folder's layout, listed as the executor will list it: {@code train/} and {@code
     * val/} there, at least two classes, and images in every class folder of {@code train/} (a
     * class without images would be an output the model never learns).
     */
    private static Optional<String> folderProblems(JobConfig config) {
        String head = DataKeys.URI.name() + " = " + config.get(DataKeys.URI) + ": ";
        StreamingDataset data;
        try {
            data = folder(config);
        } catch (DatasetException e) {
            return Optional.of(DataKeys.URI.name() + ": " + e.getMessage());
        }
        if (data.classes() < 2) {
            return Optional.of(head + "train/ holds " + data.classes() + " class folder; a classifier needs at least "
                    + "two. Fix: put each class's images in its own folder train/<class>/ (and val/<class>/)");
        }
        long[] images = new long[data.classes()];
        java.util.stream.Stream.concat(data.train().stream(), data.validation().stream())
                .forEach(u -> images[u.label()]++);
        List<String> empty = new ArrayList<>();
        for (int c = 0; c < images.length; c++) {
            if (images[c] == 0) {
                empty.add(data.className(c));
            }
        }
        return empty.isEmpty() ? Optional.empty() : Optional.of(head + "no .jpg, .jpeg or .png images in train/"
                + String.join("/, train/", empty) + "/. Fix: add that class's images, or remove the empty folder");
    }

    private static StreamingDataset folder(JobConfig config) {
        return StreamingDataset.open(config.get(DataKeys.URI), BaselineRequests.stream(config),
                config.get(DataKeys.VALIDATION_FRACTION), config.get(RunKeys.SEED), 0, 0);
    }

    /**
     * The data's classes, as the executor will count them: the largest IDX label plus one, the
     * class folders of an image folder, {@code pocketflow.data.classes} for TFRecord shards; empty
     * when the data cannot be read here (the other checks report why).
     */
    static Optional<Integer> classes(JobConfig config) {
        try {
            return Optional.of(switch (config.get(DataKeys.FORMAT)) {
                case "idx" -> IdxDataset.open(config.get(DataKeys.URI), 1, 1).classes();
                case "image-folder" -> folder(config).classes();
                default -> config.get(DataKeys.CLASSES);
            });
        } catch (DatasetException e) {
            return Optional.empty();
        }
    }

    /** The data's channels, or empty when the data cannot be read here (the URI check reports that). */
    private static Optional<Integer> channels(JobConfig config, String format) {
        if (!format.equals("idx")) {
            return Optional.of(config.get(DataKeys.CHANNELS));
        }
        try {
            return Optional.of(IdxDataset.open(config.get(DataKeys.URI), 1, 1).shape().channels());
        } catch (DatasetException e) {
            return Optional.empty();
        }
    }
}
