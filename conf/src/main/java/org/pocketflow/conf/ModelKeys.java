package org.pocketflow.conf;

import java.util.List;

/** Keys that say which model is compressed. */
public final class ModelKeys {

    /** Architecture trained from scratch. */
    public static final ConfigKey<String> ARCH = ConfigKey.oneOf("pocketflow.model.arch", "lenet",
            "Architecture trained from scratch when pocketflow.model.path is empty.",
            "lenet", "resnet20", "mobilenet");

    /** A user's trained model. */
    public static final ConfigKey<String> PATH = ConfigKey.existingPath("pocketflow.model.path", "",
            "A user's model to compress: a DL4J ComputationGraph zip, or a Keras model saved as HDF5 (model.save, "
                    + "functional or sequential); empty = train pocketflow.model.arch from scratch.");

    /** This area's keys in declaration order. */
    public static final KeyGroup GROUP = new KeyGroup("Model", List.of(ARCH, PATH));

    private ModelKeys() {
    }
}
