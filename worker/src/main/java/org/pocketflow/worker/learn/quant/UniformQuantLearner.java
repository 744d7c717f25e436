package org.pocketflow.worker.learn.quant;

import java.util.List;
import java.util.Map;

import org.pocketflow.worker.learn.WeightTensor;

/**
 * Uniform weight quantization (PocketFlow's UniformQuantLearner): per-layer bits, per-channel
 * ranges, quantization-aware fine-tuning with the straight-through estimator; stored as packed
 * integers plus one scale and offset per channel.
 */
public final class UniformQuantLearner extends QuantLearner {
    /** Per-layer bits in 2..8. */
    public UniformQuantLearner() {
        this(2, 8);
    }

    /** Per-layer bits in {@code [minBits, maxBits]}, within 1..16. */
    public UniformQuantLearner(int minBits, int maxBits) {
        super(minBits, maxBits);
    }

    @Override
    public String name() {
        return "uniform-quant";
    }

    @Override
    QuantizationHook hook(List<WeightTensor> tensors, Map<String, Integer> bits) {
        return new UniformQuantHook(tensors, bits);
    }
}
