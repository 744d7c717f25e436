package org.pocketflow.worker.learn;

import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.export.TensorEncoding;
import org.pocketflow.worker.train.StepHook;

/**
 * What a {@link Learner} made of one network: the compressed network before fine-tuning, the
 * hook that keeps its constraint while it is fine-tuned, and the compact encoding of its
 * parameters afterwards.
 *
 * <p>Call order: take {@link #graph()} (owned by the caller from then on), fine-tune it (any
 * number of steps, zero included) with {@link #hook()}, whose {@code finish} leaves the final
 * constrained parameters in the graph; then {@link #encodings} of that graph. One compression
 * belongs to one fine-tuning run.
 */
public interface Compression {
    /** The compressed network, not yet fine-tuned. */
    ComputationGraph graph();

    /** Keeps the constraint during fine-tuning ({@link StepHook#NONE} when the architecture alone carries it). */
    StepHook hook();

    /**
     * The compact encoding of {@code finished}'s compressed parameters, keyed by DL4J parameter key
     * ({@code layer_W}); parameters not named are stored dense.
     *
     * @param finished the fine-tuned network after {@code hook().finish(finished)}
     */
    Map<String, TensorEncoding> encodings(ComputationGraph finished);

    /** The per-knob settings actually applied (after the budget), keyed by knob name. */
    Map<String, Double> settings();
}
