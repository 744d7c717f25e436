package org.pocketflow.worker.learn;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.ModelInfo;

/**
 * A compression algorithm: the extension point behind channel pruning, weight sparsity,
 * uniform and codebook quantization, and chains of them.
 *
 * <p>A learner is immutable configuration (e.g. which channel selector) and holds no state
 * between calls; one instance serves many candidates, on many threads. Call order for one
 * candidate:
 * <ol>
 *   <li>{@link #knobs} — the per-layer settings this learner exposes on the network (the search
 *       space's per-layer part);</li>
 *   <li>{@link #meetBudget} — turns preferred settings (a sampler's proposal, or {@link #uniform})
 *       into settings that meet the budget by construction;</li>
 *   <li>{@link #compress} — builds the compressed network (a new graph; the input is not
 *       modified) and the {@link Compression} that keeps the constraint during fine-tuning
 *       ({@code FineTuner}) and encodes the result compactly.</li>
 * </ol>
 * Settings are keyed by knob name; a value outside its knob's range is an error naming the knob,
 * the value and the range.
 */
public interface Learner {
    /** Short name for configuration and reports, e.g. {@code channel-pruning}. */
    String name();

    /** The per-layer knobs this learner exposes on the network {@code info} describes, in visiting order. */
    List<Knob> knobs(ModelInfo info);

    /**
     * Settings for every knob that meet {@code budget}, staying as close to {@code preferred} as
     * the learner's rule allows (missing knobs take their range's upper end).
     *
     * @throws IllegalArgumentException when the budget lacks what this learner needs, or no
     *                                  setting can meet it (naming the budget and the reachable range)
     */
    Map<String, Double> meetBudget(ModelInfo info, Map<String, Double> preferred, Budget budget);

    /** The same setting in every layer, meeting {@code budget}: the baseline a search must beat. */
    Map<String, Double> uniform(ModelInfo info, Budget budget);

    /**
     * Settings meeting {@code budget} that run fastest on this machine among a few candidates the
     * learner times ({@code pocketflow.learn.allocation=latency}). Learners whose settings do not
     * change the network's speed (sparsity and quantization run dense fp32 in DL4J) return
     * {@link #uniform}, the default.
     *
     * @param graph    the trained network; not modified
     * @param shape    its input images
     * @param progress one line per timed candidate
     */
    default Map<String, Double> fastest(ComputationGraph graph, ImageShape shape, Budget budget,
                                        Consumer<String> progress) {
        return uniform(ModelInfo.of(graph, shape), budget);
    }

    /**
     * Compresses {@code graph} with {@code settings}, first passed through {@link #meetBudget}
     * so the result meets {@code budget} whatever the settings were.
     *
     * @param graph the trained network; not modified
     * @param shape its input images
     */
    Compression compress(ComputationGraph graph, ImageShape shape, Map<String, Double> settings, Budget budget);
}
