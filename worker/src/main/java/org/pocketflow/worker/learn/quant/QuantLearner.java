package org.pocketflow.worker.learn.quant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.Compression;
import org.pocketflow.worker.learn.Knob;
import org.pocketflow.worker.learn.LayerFeatures;
import org.pocketflow.worker.learn.Learner;
import org.pocketflow.worker.learn.WeightTensor;
import org.pocketflow.worker.model.ModelInfo;

/**
 * What the weight quantizers share: one bits knob per layer with weights, the average-bits
 * budget weighted by parameter count ({@link BitAllocation}), and compression as a copy of the
 * network plus a {@link QuantizationHook} that quantizes it (during fine-tuning, or at once when
 * there is none). Subclasses choose the quantizer.
 */
abstract class QuantLearner implements Learner {
    private final int minBits;
    private final int maxBits;

    QuantLearner(int minBits, int maxBits) {
        if (minBits < 1 || maxBits > 16 || minBits > maxBits) {
            throw new IllegalArgumentException("weight bits range [" + minBits + ", " + maxBits
                    + "] is invalid. Fix: use bits within 1..16, min <= max (e.g. 2..8)");
        }
        this.minBits = minBits;
        this.maxBits = maxBits;
    }

    /** The hook quantizing {@code tensors} at {@code bits} (per tensor key). */
    abstract QuantizationHook hook(List<WeightTensor> tensors, Map<String, Integer> bits);

    /** Changes to the copied network beyond its weights (e.g. quantized activations); none by default. */
    void prepare(ComputationGraph copy) {
    }

    @Override
    public List<Knob> knobs(ModelInfo info) {
        List<String> layers = layersWithWeights(info);
        List<Knob> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            out.add(new Knob(layers.get(i), minBits, maxBits, true, LayerFeatures.of(info, layers.get(i), i,
                    layers.size())));
        }
        return out;
    }

    @Override
    public Map<String, Double> meetBudget(ModelInfo info, Map<String, Double> preferred, Budget budget) {
        return BitAllocation.meet(knobs(info), sizes(info), preferred, budget.requireAverageBits(name()), name());
    }

    @Override
    public Map<String, Double> uniform(ModelInfo info, Budget budget) {
        return meetBudget(info, Map.of(), budget);
    }

    @Override
    public Compression compress(ComputationGraph graph, ImageShape shape, Map<String, Double> settings,
                                Budget budget) {
        ModelInfo info = ModelInfo.of(graph, shape);
        Map<String, Double> bits = meetBudget(info, settings, budget);
        ComputationGraph copy = graph.clone();
        prepare(copy);
        List<WeightTensor> tensors = WeightTensor.of(copy);
        Map<String, Integer> perTensor = new LinkedHashMap<>();
        for (WeightTensor t : tensors) {
            perTensor.put(t.key(), bits.get(t.layer()).intValue());
        }
        QuantizationHook hook = hook(tensors, perTensor);
        return new Compression(copy, hook, finished -> hook.encodings(), bits);
    }

    static Map<String, Long> sizes(ModelInfo info) {
        return WeightTensor.weightsPerLayer(info);
    }

    private static List<String> layersWithWeights(ModelInfo info) {
        return new ArrayList<>(sizes(info).keySet());
    }
}
