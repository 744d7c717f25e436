package org.pocketflow.worker.learn.sparse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.export.SparseTensor;
import org.pocketflow.worker.export.TensorEncoding;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.Compression;
import org.pocketflow.worker.learn.Knob;
import org.pocketflow.worker.learn.LayerFeatures;
import org.pocketflow.worker.learn.Learner;
import org.pocketflow.worker.learn.WeightTensor;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Weight sparsification (PocketFlow's WeightSparseLearner): per-layer sparsity reached by
 * gradual magnitude pruning during fine-tuning ({@link MagnitudeMaskHook},
 * {@link GradualSchedule}); every weight tensor stored as a bitmap plus its non-zero values.
 *
 * <p>Budget: the parameter-weighted sparsity over all weight tensors equals the target. Preferred
 * per-layer sparsities are met by scaling every layer's kept fraction by one factor
 * {@code k}, {@code s_l' = clamp(1 - k (1 - s_l), 0, max)}, with {@code k} found by bisection, so
 * the proposal's relative shape survives.
 */
public final class WeightSparsityLearner implements Learner {
    private static final double MAX_SPARSITY = 0.99;
    private final double rampFraction;

    /** Sparsity ramping up over the first 60% of fine-tuning, the rest recovering accuracy. */
    public WeightSparsityLearner() {
        this(0.6);
    }

    /** @param rampFraction share of fine-tuning over which sparsity ramps up, in (0, 1] */
    public WeightSparsityLearner(double rampFraction) {
        if (!(rampFraction > 0 && rampFraction <= 1)) {
            throw new IllegalArgumentException("sparsity ramp fraction must be in (0, 1], but got " + rampFraction);
        }
        this.rampFraction = rampFraction;
    }

    @Override
    public String name() {
        return "weight-sparsity";
    }

    @Override
    public List<Knob> knobs(ModelInfo info) {
        List<String> layers = new ArrayList<>(WeightTensor.weightsPerLayer(info).keySet());
        List<Knob> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            out.add(new Knob(layers.get(i), 0, MAX_SPARSITY, false,
                    LayerFeatures.of(info, layers.get(i), i, layers.size())));
        }
        return out;
    }

    @Override
    public Map<String, Double> meetBudget(ModelInfo info, Map<String, Double> preferred, Budget budget) {
        double target = budget.requireSparsity(name());
        Map<String, Long> sizes = WeightTensor.weightsPerLayer(info);
        List<Knob> knobs = knobs(info);
        Map<String, Double> pref = new LinkedHashMap<>();
        for (Knob k : knobs) {
            pref.put(k.name(), k.check(preferred.getOrDefault(k.name(), target), name()));
        }
        if (average(scaled(pref, 0), sizes) < target - 1e-9) {
            throw new IllegalArgumentException(name() + ": sparsity " + target + " is out of reach with at most "
                    + MAX_SPARSITY + " per layer. Fix: lower pocketflow.learn.sparsity");
        }
        double lo = 0;
        double hi = 1;
        while (average(scaled(pref, hi), sizes) > target) {
            hi *= 2;
        }
        for (int i = 0; i < 60; i++) {
            double mid = (lo + hi) / 2;
            if (average(scaled(pref, mid), sizes) >= target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return scaled(pref, lo);
    }

    @Override
    public Map<String, Double> uniform(ModelInfo info, Budget budget) {
        return meetBudget(info, Map.of(), budget);
    }

    @Override
    public Compression compress(ComputationGraph graph, ImageShape shape, Map<String, Double> settings,
                                Budget budget) {
        Map<String, Double> sparsity = meetBudget(ModelInfo.of(graph, shape), settings, budget);
        ComputationGraph copy = graph.clone();
        List<WeightTensor> tensors = WeightTensor.of(copy);
        Map<String, Double> perTensor = new LinkedHashMap<>();
        for (WeightTensor t : tensors) {
            perTensor.put(t.key(), sparsity.get(t.layer()));
        }
        MagnitudeMaskHook hook = new MagnitudeMaskHook(tensors, perTensor, rampFraction);
        return new Compression(copy, hook, finished -> {
            Map<String, TensorEncoding> out = new LinkedHashMap<>();
            for (WeightTensor t : tensors) {
                out.put(t.key(), SparseTensor.of(t.shape(), t.read(finished)));
            }
            return out;
        }, sparsity);
    }

    private static Map<String, Double> scaled(Map<String, Double> pref, double k) {
        Map<String, Double> out = new LinkedHashMap<>();
        pref.forEach((name, s) -> out.put(name, Math.max(0, Math.min(MAX_SPARSITY, 1 - k * (1 - s)))));
        return out;
    }

    private static double average(Map<String, Double> sparsity, Map<String, Long> sizes) {
        double sum = 0;
        long total = 0;
        for (Map.Entry<String, Double> e : sparsity.entrySet()) {
            sum += e.getValue() * sizes.get(e.getKey());
            total += sizes.get(e.getKey());
        }
        return sum / total;
    }
}
