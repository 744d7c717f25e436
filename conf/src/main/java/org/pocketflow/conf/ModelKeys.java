package org.pocketflow.conf;

import java.util.List;

/** Keys that say which model is compressed. */
public final class ModelKeys {

    /** Architecture trained from scratch. */
    public static final ConfigKey<String> ARCH = ConfigKey.oneOf("pocketflow.model.arch", "lenet",
            "Architecture trained from scratch when pocketflow.model.path is empty: lenet, resnet20 and mobilenet "
                    + "are sized for 28x28 images; resnet18, resnet50, mobilenet-v1 and mobilenet-v1-0.5 (half width) "
                    + "are the ImageNet networks, for any image size (sides under 64 get a stem that keeps the "
                    + "resolution).",
            "lenet", "resnet20", "mobilenet", "resnet18", "resnet50", "mobilenet-v1", "mobilenet-v1-0.5");

    /** A user's trained model. */
    public static final ConfigKey<String> PATH = ConfigKey.existingPath("pocketflow.model.path", "",
            "A user's model to compress: a DL4J ComputationGraph zip, or a Keras model saved as HDF5 (model.save, "
                    + "functional or sequential); empty = train pocketflow.model.arch from scratch.");

    /** This area's keys in declaration order. */
    public static final KeyGroup GROUP = new KeyGroup("Model", List.of(ARCH, PATH));

    private ModelKeys() {
    }
}
