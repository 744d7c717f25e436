package org.pocketflow.worker.learn.quant;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.pocketflow.worker.export.CodebookTensor;
import org.pocketflow.worker.export.TensorEncoding;
import org.pocketflow.worker.learn.WeightTensor;

/**
 * Codebook quantization-aware training: each tensor's weights are clustered once by
 * {@link KMeansCodebook} (quantile initialisation, Lloyd iterations); during fine-tuning a
 * full-precision shadow copy takes the optimizer's updates (straight-through), and after every
 * step one Lloyd iteration on the shadow weights re-assigns them to their nearest centroids and
 * moves each centroid to its members' mean. The centroids are thus fine-tuned by the training
 * signal, as in Deep Compression's centroid fine-tuning (Han, Mao and Dally 2016, section 3.3),
 * and weights may change clusters, which fixed assignments would forbid.
 */
final class CodebookQuantHook extends QuantizationHook {
    private final Map<String, float[]> shadow = new HashMap<>();
    private final Map<String, KMeansCodebook> books = new HashMap<>();
    private final Map<String, Integer> bitsOf = new HashMap<>();

    CodebookQuantHook(List<WeightTensor> tensors, Map<String, Integer> bits) {
        super(tensors, bits);
    }

    @Override
    void init(WeightTensor t, int bits, float[] values) {
        shadow.put(t.key(), values);
        books.put(t.key(), KMeansCodebook.fit(values, bits));
        bitsOf.put(t.key(), bits);
    }

    @Override
    float[] project(WeightTensor t) {
        return books.get(t.key()).values();
    }

    @Override
    void absorb(WeightTensor t, float[] delta) {
        float[] s = shadow.get(t.key());
        for (int i = 0; i < s.length; i++) {
            s[i] += delta[i];
        }
        books.get(t.key()).refine(s);
    }

    @Override
    TensorEncoding encode(WeightTensor t) {
        KMeansCodebook book = books.get(t.key());
        return CodebookTensor.of(t.shape(), bitsOf.get(t.key()), book.centroids().clone(), book.indices());
    }
}
