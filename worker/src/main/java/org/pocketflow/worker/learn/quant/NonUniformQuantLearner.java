package org.pocketflow.worker.learn.quant;

import java.util.List;
import java.util.Map;

import org.pocketflow.worker.learn.WeightTensor;

/**
 * Non-uniform weight quantization (PocketFlow's NonUniformQuantLearner): per-layer k-means
 * codebooks of {@code 2^b} centroids, optionally shared by channels that each scale it, fine-tuned
 * by Lloyd steps on shadow weights or by gradient steps on the centroids ({@link CodebookOptions},
 * {@link CodebookQuantHook}); stored as packed indices plus the codebook (and the scales).
 */
public final class NonUniformQuantLearner extends QuantLearner {
    private final CodebookOptions options;

    /** Per-layer bits in 2..8, {@link CodebookOptions#DEFAULT}. */
    public NonUniformQuantLearner() {
        this(CodebookOptions.DEFAULT);
    }

    /** Per-layer bits in 2..8. */
    public NonUniformQuantLearner(CodebookOptions options) {
        this(2, 8, options);
    }

    /** Per-layer bits in {@code [minBits, maxBits]}, within 1..16, {@link CodebookOptions#DEFAULT}. */
    public NonUniformQuantLearner(int minBits, int maxBits) {
        this(minBits, maxBits, CodebookOptions.DEFAULT);
    }

    /** Per-layer bits in {@code [minBits, maxBits]}, within 1..16. */
    public NonUniformQuantLearner(int minBits, int maxBits, CodebookOptions options) {
        super(minBits, maxBits);
        this.options = options;
    }

    @Override
    public String name() {
        return "nonuniform-quant";
    }

    @Override
    QuantizationHook hook(List<WeightTensor> tensors, Map<String, Integer> bits) {
        return new CodebookQuantHook(tensors, bits, options);
    }
}
