package org.pocketflow.worker.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

/** The model zoo: the architectures a job can name in {@code pocketflow.model.arch}. */
public enum Architecture {
    LENET(LeNetFactory::new),
    RESNET20(ResNet20Factory::new),
    MOBILENET(MobileNetFactory::new);

    private final Supplier<ModelFactory> factory;

    Architecture(Supplier<ModelFactory> factory) {
        this.factory = factory;
    }

    /** The factory that builds this architecture. */
    public ModelFactory factory() {
        return factory.get();
    }

    /** Looks up an architecture by its configuration name ({@code lenet}, {@code resnet20}, ...). */
    public static Architecture of(String name) {
        for (Architecture a : values()) {
            if (a.name().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + name + "'; known: "
                + Arrays.toString(values()).toLowerCase(Locale.ROOT));
    }
}
