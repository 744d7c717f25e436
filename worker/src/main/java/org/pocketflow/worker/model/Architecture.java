package org.pocketflow.worker.model;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The model zoo: the architectures a job can name in {@code pocketflow.model.arch}, each by its
 * factory's {@link ModelFactory#name()}. LeNet, ResNet-20 and {@code mobilenet} are sized for
 * 28x28 images; ResNet-18, ResNet-50 and MobileNet-v1 (full and half width) are the ImageNet
 * networks, built for any image size.
 */
public enum Architecture {
    LENET(LeNetFactory::new),
    RESNET20(ResNet20Factory::new),
    MOBILENET(MobileNetFactory::new),
    RESNET18(ResNet18Factory::new),
    RESNET50(ResNet50Factory::new),
    MOBILENET_V1(MobileNetV1Factory::new),
    MOBILENET_V1_050(() -> new MobileNetV1Factory(0.5, "mobilenet-v1-0.5"));

    private final Supplier<ModelFactory> factory;

    Architecture(Supplier<ModelFactory> factory) {
        this.factory = factory;
    }

    /** The factory that builds this architecture. */
    public ModelFactory factory() {
        return factory.get();
    }

    /** The configuration name, e.g. {@code mobilenet-v1}. */
    public String configName() {
        return factory().name();
    }

    /** Looks up an architecture by its configuration name ({@code lenet}, {@code resnet18}, ...), ignoring case. */
    public static Architecture of(String name) {
        for (Architecture a : values()) {
            if (a.configName().equalsIgnoreCase(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + name + "'; known: "
                + Arrays.stream(values()).map(Architecture::configName).toList());
    }
}
