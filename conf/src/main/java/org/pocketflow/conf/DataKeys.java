package org.pocketflow.conf;

import java.util.List;

/** Keys that say which data set is read and how much of it. */
public final class DataKeys {

    /** File format of the data set. */
    public static final ConfigKey<String> FORMAT = ConfigKey.oneOf("pocketflow.data.format", "idx",
            "File format: idx = MNIST-style IDX files, read whole; image-folder = train/<class>/*.jpg|png and "
                    + "val/<class>/... (ImageNet layout); tfrecord = train-* and validation-* shards of "
                    + "tf.train.Example; the last two are streamed.",
            "idx", "image-folder", "tfrecord");

    /** Folder with the IDX files. */
    public static final ConfigKey<String> URI = ConfigKey.existingPath("pocketflow.data.uri",
            "file:///usr/share/datasets/fashion-mnist",
            "Data folder (local path, file: URI or Hadoop URI): for idx the train-/t10k- images and labels files "
                    + "(raw or .gz); see pocketflow.data.format for the others.");

    /** How many training images to use. */
    public static final ConfigKey<Integer> TRAIN_LIMIT = ConfigKey.integer("pocketflow.data.train-limit", 0,
            "Use only the first N training images, for quick runs; 0 = all.",
            Validators.atLeast(0));

    /** How many test images to use. */
    public static final ConfigKey<Integer> TEST_LIMIT = ConfigKey.integer("pocketflow.data.test-limit", 0,
            "Use only the first N test images; 0 = all.",
            Validators.atLeast(0));

    /** Fraction of training images held out for validation. */
    public static final ConfigKey<Double> VALIDATION_FRACTION = ConfigKey.real(
            "pocketflow.data.validation-fraction", 0.1,
            "Fraction of the training images held out (split by the seed) to validate during training and compression.",
            Validators.range(0.0, 0.5));

    /** How pixels are scaled before they reach the network. */
    public static final ConfigKey<String> NORMALIZATION = ConfigKey.oneOf("pocketflow.data.normalization", "fit",
            "Pixel scaling: fit = x/255 then (x-mean)/std fitted per channel on the training split; unit = x/255; "
                    + "none = raw 0..255 values; mean-std = pocketflow.data.mean and .std. When unset and the "
                    + "pocketflow.model.path zip carries a DL4J normalizer, that normalizer is used.",
            "fit", "unit", "none", "mean-std");

    /** Per-channel means for {@code normalization = mean-std}. */
    public static final ConfigKey<String> MEAN = ConfigKey.string("pocketflow.data.mean", "",
            "Per-channel means for normalization = mean-std, on the x/255 scale (0..1), comma-separated: one value "
                    + "for grey, three for RGB, e.g. 0.485,0.456,0.406.",
            Validators.numberList());

    /** Per-channel standard deviations for {@code normalization = mean-std}. */
    public static final ConfigKey<String> STD = ConfigKey.string("pocketflow.data.std", "",
            "Per-channel standard deviations for normalization = mean-std, on the x/255 scale, comma-separated, "
                    + "each > 0, e.g. 0.229,0.224,0.225.",
            Validators.numberList());

    /** Network input size for streamed formats. */
    public static final ConfigKey<Integer> IMAGE_SIZE = ConfigKey.integer("pocketflow.data.image-size", 224,
            "Height and width of the network input for image-folder and tfrecord: training takes random resized "
                    + "crops of this size, evaluation resizes the shorter side to size/0.875 and takes the centre.",
            Validators.range(8, 4096));

    /** Channels images are decoded to. */
    public static final ConfigKey<Integer> CHANNELS = ConfigKey.integer("pocketflow.data.channels", 3,
            "Channels images of image-folder and tfrecord are decoded to: 3 = RGB (grey images replicated), "
                    + "1 = grey (colour reduced to luma).",
            Validators.range(1, 3));

    /** Classes of TFRecord shards. */
    public static final ConfigKey<Integer> CLASSES = ConfigKey.integer("pocketflow.data.classes", 0,
            "Number of classes in tfrecord shards (required there; image folders count their class folders).",
            Validators.atLeast(0));

    /** The label stored for the first class in TFRecord shards. */
    public static final ConfigKey<Integer> LABEL_OFFSET = ConfigKey.integer("pocketflow.data.label-offset", 1,
            "Label that tfrecord shards store for the first class: 1 in TensorFlow's ImageNet shards (0 is "
                    + "background), 0 for TFDS.",
            Validators.range(0, 1));

    /** Skip unreadable images and truncated shards. */
    public static final ConfigKey<Boolean> SKIP_CORRUPT = ConfigKey.bool("pocketflow.data.skip-corrupt", false,
            "Skip and count corrupt images and truncated shards (the count is in the report) instead of failing "
                    + "the job with the file's name.");

    /** Decoding threads. */
    public static final ConfigKey<Integer> THREADS = ConfigKey.integer("pocketflow.data.threads", 0,
            "Threads decoding and augmenting images of image-folder and tfrecord per worker; 0 = one per core.",
            Validators.atLeast(0));

    /** This area's keys in declaration order. */
    public static final KeyGroup GROUP = new KeyGroup("Data",
            List.of(FORMAT, URI, TRAIN_LIMIT, TEST_LIMIT, VALIDATION_FRACTION, NORMALIZATION, MEAN, STD, IMAGE_SIZE,
                    CHANNELS, CLASSES, LABEL_OFFSET, SKIP_CORRUPT, THREADS));

    private DataKeys() {
    }
}
