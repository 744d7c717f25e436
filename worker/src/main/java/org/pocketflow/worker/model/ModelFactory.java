package org.pocketflow.worker.model;

import org.pocketflow.worker.data.ImageShape;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Builds a freshly initialised network of one architecture.
 *
 * <p>Implementations are stateless. The returned graph is initialised with weights drawn from
 * {@code seed} (same seed, same weights), has its input type set (so {@link ModelInfo} can infer
 * shapes), names its input vertex {@value #INPUT} and its output layer {@value #OUTPUT}. The
 * updater set here is a placeholder: training replaces it with the job's optimizer.
 */
public interface ModelFactory {
    /** Name of the single input vertex of every zoo network. */
    String INPUT = "input";
    /** Name of the softmax output layer of every zoo network. */
    String OUTPUT = "output";

    /** Short name used in configuration, e.g. {@code lenet}. */
    String name();

    /** A new network for images of {@code shape} and {@code classes} classes. */
    ComputationGraph create(ImageShape shape, int classes, long seed);

    /** DL4J's input type for images of {@code shape}. */
    static InputType inputType(ImageShape shape) {
        return InputType.convolutional(shape.height(), shape.width(), shape.channels());
    }
}
