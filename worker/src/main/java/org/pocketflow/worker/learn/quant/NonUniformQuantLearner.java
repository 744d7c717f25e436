package org.pocketflow.worker.learn.quant;

import java.util.List;
import java.util.Map;

import org.pocketflow.worker.learn.WeightTensor;

/**
 * Non-uniform weight quantization (PocketFlow's NonUniformQuantLearner): per-layer k-means
 * codebooks of {@code 2^b} centroids with quantile initialisation, fine-tuned through shadow
 * weights and one Lloyd iteration per step ({@link CodebookQuantHook}); stored as packed indices
 * plus the codebook.
 */
public final class NonUniformQuantLearner extends QuantLearner {
    /** Per-layer bits in 2..8. */
    public NonUniformQuantLearner() {
        this(2, 8);
    }

    /** Per-layer bits in {@code [minBits, maxBits]}, within 1..16. */
    public NonUniformQuantLearner(int minBits, int maxBits) {
        super(minBits, maxBits);
    }

    @Override
    public String name() {
        return "nonuniform-quant";
    }

    @Override
    QuantizationHook hook(List<WeightTensor> tensors, Map<String, Integer> bits) {
        return new CodebookQuantHook(tensors, bits);
    }
}
