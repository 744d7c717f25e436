package org.pocketflow.worker.learn.quant;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.export.TensorEncoding;
import org.pocketflow.worker.learn.WeightTensor;
import org.pocketflow.worker.train.HookState;
import org.pocketflow.worker.train.StepHook;

/**
 * Quantization-aware fine-tuning with a straight-through estimator (Bengio, Léonard and
 * Courville 2013; as used for QAT by Jacob et al. 2018, section 3): before each step the network
 * gets the quantized weights {@code Q(s)} of a full-precision state {@code s}; the optimizer's
 * step then moves them to {@code Q(s) + delta}, and {@code delta} — the update computed with the
 * gradient at the quantized weights — is folded back into {@code s}. The state's meaning varies:
 * shadow weights for uniform quantization, centroids for codebooks.
 *
 * <p>One hook per fine-tuning run of one network (see {@link StepHook} for the call order). The
 * state is initialised from the network on the first call, so {@link #finish} alone (no
 * fine-tuning) quantizes the network as it is. A restored state ({@link #restoreState}) projects
 * again what {@code beforeStep} had swapped in, so the next {@code afterStep} measures the same
 * change.
 */
abstract class QuantizationHook implements StepHook {
    private final List<WeightTensor> tensors;
    private final Map<String, Integer> bits;
    private final Map<String, float[]> applied = new LinkedHashMap<>();
    private final Map<String, TensorEncoding> encodings = new LinkedHashMap<>();
    private boolean initialised;

    /** @param bits per tensor key, its bits */
    QuantizationHook(List<WeightTensor> tensors, Map<String, Integer> bits) {
        this.tensors = List.copyOf(tensors);
        this.bits = Map.copyOf(bits);
    }

    /** Sets up the state of {@code t} from its current full-precision values. */
    abstract void init(WeightTensor t, int bits, float[] values);

    /** The values of {@code t} the network computes with, from the state. */
    abstract float[] project(WeightTensor t);

    /** Folds the optimizer's change {@code delta} of the projected values into the state. */
    abstract void absorb(WeightTensor t, float[] delta);

    /** The compact encoding of the state's projection. */
    abstract TensorEncoding encode(WeightTensor t);

    /** Writes the state of {@code t} (after {@link #init}). */
    abstract void saveTensor(WeightTensor t, DataOutput out) throws IOException;

    /** Reads what {@link #saveTensor} wrote, as {@link #init} would have set it up. */
    abstract void restoreTensor(WeightTensor t, int bits, DataInput in) throws IOException;

    /** Whether it has set up its state yet, then per tensor in order: its key and the subclass's state. */
    @Override
    public void saveState(DataOutput out) throws IOException {
        out.writeBoolean(initialised);
        if (initialised) {
            for (WeightTensor t : tensors) {
                HookState.writeKey(out, t.key());
                saveTensor(t, out);
            }
        }
    }

    @Override
    public void restoreState(DataInput in) throws IOException {
        applied.clear();
        initialised = in.readBoolean();
        if (initialised) {
            for (WeightTensor t : tensors) {
                HookState.readKey(in, t.key());
                restoreTensor(t, bits.get(t.key()), in);
                applied.put(t.key(), project(t));
            }
        }
    }

    @Override
    public void beforeStep(ComputationGraph graph, long step, long totalSteps) {
        initOnce(graph);
        for (WeightTensor t : tensors) {
            float[] q = project(t);
            t.write(graph, q);
            applied.put(t.key(), q);
        }
    }

    @Override
    public void afterStep(ComputationGraph graph, long step, long totalSteps) {
        for (WeightTensor t : tensors) {
            float[] now = t.read(graph);
            float[] q = applied.get(t.key());
            for (int i = 0; i < now.length; i++) {
                now[i] -= q[i];
            }
            absorb(t, now);
        }
    }

    @Override
    public void finish(ComputationGraph graph) {
        initOnce(graph);
        for (WeightTensor t : tensors) {
            t.write(graph, project(t));
            encodings.put(t.key(), encode(t));
        }
    }

    /** The encodings of the final weights (after {@link #finish}). */
    Map<String, TensorEncoding> encodings() {
        if (encodings.isEmpty() && !tensors.isEmpty()) {
            throw new IllegalStateException("encodings are known after finish(graph)");
        }
        return Map.copyOf(encodings);
    }

    private void initOnce(ComputationGraph graph) {
        if (!initialised) {
            for (WeightTensor t : tensors) {
                init(t, bits.get(t.key()), t.read(graph));
            }
            initialised = true;
        }
    }
}
