package org.pocketflow.conf;

import java.util.List;

/** Keys that say which data set is read and how much of it. */
public final class DataKeys {

    /** File format of the data set. */
    public static final ConfigKey<String> FORMAT = ConfigKey.oneOf("pocketflow.data.format", "idx",
            "File format of the data set; idx = MNIST-style IDX files.",
            "idx");

    /** Folder with the IDX files. */
    public static final ConfigKey<String> URI = ConfigKey.existingPath("pocketflow.data.uri",
            "file:///usr/share/datasets/fashion-mnist",
            "Folder with train-/t10k- images and labels IDX files (raw or .gz): local path, file: URI or Hadoop URI.");

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

    /** This area's keys in declaration order. */
    public static final KeyGroup GROUP = new KeyGroup("Data",
            List.of(FORMAT, URI, TRAIN_LIMIT, TEST_LIMIT, VALIDATION_FRACTION));

    private DataKeys() {
    }
}
