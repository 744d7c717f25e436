package org.pocketflow.worker.learn.quant;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.pocketflow.worker.export.CodebookTensor;
import org.pocketflow.worker.export.TensorEncoding;
import org.pocketflow.worker.learn.WeightTensor;

/**
 * Codebook fine-tuning as in Deep Compression (Han, Mao and Dally 2016, section 3.3): each
 * tensor's weights are clustered once by {@link KMeansCodebook}; during fine-tuning the
 * assignments stay fixed and each centroid moves by the mean of its members' updates (the
 * paper sums the members' gradients; the mean keeps the centroid's step on the scale of one
 * weight's step, whatever the cluster's size).
 */
final class CodebookQuantHook extends QuantizationHook {
    private final Map<String, KMeansCodebook> books = new HashMap<>();
    private final Map<String, Integer> bitsOf = new HashMap<>();

    CodebookQuantHook(List<WeightTensor> tensors, Map<String, Integer> bits) {
        super(tensors, bits);
    }

    @Override
    void init(WeightTensor t, int bits, float[] values) {
        books.put(t.key(), KMeansCodebook.fit(values, bits));
        bitsOf.put(t.key(), bits);
    }

    @Override
    float[] project(WeightTensor t) {
        return books.get(t.key()).values();
    }

    @Override
    void absorb(WeightTensor t, float[] delta) {
        KMeansCodebook book = books.get(t.key());
        float[] c = book.centroids();
        double[] sum = new double[c.length];
        int[] count = new int[c.length];
        int[] idx = book.indices();
        for (int i = 0; i < idx.length; i++) {
            sum[idx[i]] += delta[i];
            count[idx[i]]++;
        }
        for (int j = 0; j < c.length; j++) {
            if (count[j] > 0) {
                c[j] += (float) (sum[j] / count[j]);
            }
        }
    }

    @Override
    TensorEncoding encode(WeightTensor t) {
        KMeansCodebook book = books.get(t.key());
        return CodebookTensor.of(t.shape(), bitsOf.get(t.key()), book.centroids().clone(), book.indices());
    }
}
