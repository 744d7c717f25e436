package org.pocketflow.worker.learn;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.export.TensorEncoding;
import org.pocketflow.worker.train.StepHook;

/**
 * What a {@link Learner} made of one network: the compressed network before fine-tuning, the
 * hook that keeps its constraint while it is fine-tuned, and how its parameters are encoded
 * compactly afterwards.
 *
 * <p>Call order: take {@link #graph()} (owned by the caller from then on), fine-tune it (any
 * number of steps, zero included) with {@link #hook()}, whose {@code finish} leaves the final
 * constrained parameters in the graph; then {@link #encodings} of that graph. One compression
 * belongs to one fine-tuning run.
 *
 * @param graph    the compressed network, not yet fine-tuned
 * @param hook     keeps the constraint during fine-tuning ({@link StepHook#NONE} when the
 *                 architecture alone carries it)
 * @param encoder  from the finished network, the compact encodings of its compressed parameters
 *                 keyed by DL4J parameter key ({@code layer_W}); parameters not named are stored dense
 * @param settings the per-knob settings actually applied (after the budget), keyed by knob name
 * @param notes    lines for the compression report, e.g. why a channel group was left whole
 */
public record Compression(ComputationGraph graph, StepHook hook,
                          Function<ComputationGraph, Map<String, TensorEncoding>> encoder,
                          Map<String, Double> settings, List<String> notes) {
    public Compression {
        settings = Map.copyOf(settings);
        notes = List.copyOf(notes);
    }

    /** A compression with nothing to note. */
    public Compression(ComputationGraph graph, StepHook hook,
                       Function<ComputationGraph, Map<String, TensorEncoding>> encoder, Map<String, Double> settings) {
        this(graph, hook, encoder, settings, List.of());
    }

    /**
     * The compact encodings of {@code finished}'s compressed parameters.
     *
     * @param finished the fine-tuned network after {@code hook().finish(finished)}
     */
    public Map<String, TensorEncoding> encodings(ComputationGraph finished) {
        return encoder.apply(finished);
    }
}
