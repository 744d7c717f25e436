package org.pocketflow.worker.learn.quant;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.pocketflow.worker.export.CodebookTensor;
import org.pocketflow.worker.export.ScaledCodebookTensor;
import org.pocketflow.worker.export.TensorEncoding;
import org.pocketflow.worker.export.UniformTensor;
import org.pocketflow.worker.learn.WeightTensor;

/**
 * Codebook quantization-aware training: each tensor's weights (divided by their output channel's
 * root mean square when {@link CodebookOptions.Scale#CHANNEL}) are clustered once by
 * {@link KMeansCodebook}; the network computes with {@code scale_c * centroid[index]}. After
 * every optimizer step the centroids follow the training signal, as in Deep Compression's
 * centroid fine-tuning (Han, Mao and Dally 2016, section 3.3), in one of two ways
 * ({@link CodebookOptions.Update}): {@code LLOYD} keeps a full-precision shadow copy that takes
 * the optimizer's updates (straight-through), recomputes the channel scales from it and runs one
 * Lloyd iteration on it, so weights may change clusters; {@code GRADIENT} keeps the assignments
 * and moves centroids and scales by the least-squares step for their members' changes.
 */
final class CodebookQuantHook extends QuantizationHook {
    private final CodebookOptions options;
    private final Map<String, float[]> shadow = new HashMap<>();
    private final Map<String, float[]> scales = new HashMap<>();
    private final Map<String, KMeansCodebook> books = new HashMap<>();
    private final Map<String, Integer> bitsOf = new HashMap<>();

    CodebookQuantHook(List<WeightTensor> tensors, Map<String, Integer> bits, CodebookOptions options) {
        super(tensors, bits);
        this.options = options;
    }

    @Override
    void init(WeightTensor t, int bits, float[] values) {
        bitsOf.put(t.key(), bits);
        float[] s = null;
        if (options.scale() == CodebookOptions.Scale.CHANNEL) {
            s = rootMeanSquares(values, t);
            scales.put(t.key(), s);
        }
        if (options.update() == CodebookOptions.Update.LLOYD) {
            shadow.put(t.key(), values);
        }
        books.put(t.key(), KMeansCodebook.fit(normalised(values, s, t), bits, options.init()));
    }

    @Override
    float[] project(WeightTensor t) {
        float[] v = books.get(t.key()).values();
        float[] s = scales.get(t.key());
        if (s != null) {
            float[] per = perElement(s, t);
            for (int i = 0; i < v.length; i++) {
                v[i] *= per[i];
            }
        }
        return v;
    }

    @Override
    void absorb(WeightTensor t, float[] delta) {
        KMeansCodebook book = books.get(t.key());
        float[] s = scales.get(t.key());
        if (options.update() == CodebookOptions.Update.LLOYD) {
            float[] w = shadow.get(t.key());
            for (int i = 0; i < w.length; i++) {
                w[i] += delta[i];
            }
            if (s != null) {
                System.arraycopy(rootMeanSquares(w, t), 0, s, 0, s.length);
            }
            book.refine(normalised(w, s, t));
            return;
        }
        float[] per = s == null ? null : perElement(s, t);
        if (s != null) {
            descendScales(s, book, delta, t);
        }
        book.descend(delta, per);
    }

    @Override
    TensorEncoding encode(WeightTensor t) {
        KMeansCodebook book = books.get(t.key());
        float[] s = scales.get(t.key());
        int bits = bitsOf.get(t.key());
        return s == null
                ? CodebookTensor.of(t.shape(), bits, book.centroids().clone(), book.indices())
                : ScaledCodebookTensor.of(t.shape(), bits, t.channelAxis(), s.clone(), book.centroids().clone(),
                        book.indices());
    }

    /**
     * Channel {@code c}'s scale moves by {@code sum(u_i * delta_i) / sum(u_i^2)} over its elements,
     * {@code u_i} the centroid element {@code i} uses before this step's centroid move.
     */
    private static void descendScales(float[] s, KMeansCodebook book, float[] delta, WeightTensor t) {
        double[] num = new double[s.length];
        double[] den = new double[s.length];
        float[] c = book.centroids();
        int[] idx = book.indices();
        int[] channel = channels(t);
        for (int i = 0; i < delta.length; i++) {
            int ch = channel[i];
            float u = c[idx[i]];
            num[ch] += u * delta[i];
            den[ch] += u * u;
        }
        for (int ch = 0; ch < s.length; ch++) {
            if (den[ch] > 0) {
                s[ch] += (float) (num[ch] / den[ch]);
            }
        }
    }

    /** Per channel of {@code t}, the root mean square of its values in {@code w}. */
    static float[] rootMeanSquares(float[] w, WeightTensor t) {
        int channels = (int) t.shape()[t.channelAxis()];
        double[] sum = new double[channels];
        long[] count = new long[channels];
        int[] channel = channels(t);
        for (int i = 0; i < w.length; i++) {
            int c = channel[i];
            sum[c] += (double) w[i] * w[i];
            count[c]++;
        }
        float[] out = new float[channels];
        for (int c = 0; c < channels; c++) {
            out[c] = count[c] == 0 ? 0f : (float) Math.sqrt(sum[c] / count[c]);
        }
        return out;
    }

    /** {@code w} divided by its channel's scale (0 where the scale is 0); {@code w} itself when there are none. */
    private static float[] normalised(float[] w, float[] s, WeightTensor t) {
        if (s == null) {
            return w;
        }
        float[] per = perElement(s, t);
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = per[i] == 0f ? 0f : w[i] / per[i];
        }
        return out;
    }

    private static float[] perElement(float[] s, WeightTensor t) {
        int[] channel = channels(t);
        float[] out = new float[channel.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = s[channel[i]];
        }
        return out;
    }

    /** Per element of {@code t}, its output channel. */
    private static int[] channels(WeightTensor t) {
        long[] shape = t.shape();
        int[] out = new int[Math.toIntExact(t.size())];
        for (int i = 0; i < out.length; i++) {
            out[i] = UniformTensor.channelOf(i, shape, t.channelAxis());
        }
        return out;
    }
}
