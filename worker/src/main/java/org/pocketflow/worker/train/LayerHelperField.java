package org.pocketflow.worker.train;

import java.lang.reflect.Field;

/**
 * The private {@code helper} field of a DL4J layer class, through which DL4J 1.0.0-M2 runs a layer
 * on its oneDNN or cuDNN kernels; the project's own backward passes ({@link BatchNormBackprop},
 * {@link InputConvBackprop}) are put there, wrapping DL4J's helper.
 *
 * @param <L> the layer class
 * @param <H> its helper interface
 */
final class LayerHelperField<L, H> {
    private final Field field;
    private final String layerName;

    /** The {@code helper} field of {@code layerClass}; fails at once if DL4J has no such field. */
    LayerHelperField(Class<L> layerClass, Class<H> helperInterface) {
        this.layerName = layerClass.getSimpleName();
        try {
            field = layerClass.getDeclaredField("helper");
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("DL4J's " + layerName + " has no helper field", e);
        }
        if (!field.getType().isAssignableFrom(helperInterface)) {
            throw new IllegalStateException("DL4J's " + layerName + ".helper is a " + field.getType().getName() + ", not a "
                    + helperInterface.getName());
        }
        field.setAccessible(true);
    }

    /** Makes {@code helper} the one {@code layer} runs on. */
    void set(L layer, H helper) {
        try {
            field.set(layer, helper);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot set the helper of DL4J's " + layerName, e);
        }
    }
}
