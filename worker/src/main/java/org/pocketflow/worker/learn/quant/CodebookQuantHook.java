package org.pocketflow.worker.learn.quant;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.pocketflow.worker.export.ChannelCodebookTensor;
import org.pocketflow.worker.export.CodebookTensor;
import org.pocketflow.worker.export.TensorEncoding;
import org.pocketflow.worker.export.UniformTensor;
import org.pocketflow.worker.learn.WeightTensor;
import org.pocketflow.worker.train.HookState;

/**
 * Codebook quantization-aware training: each tensor's weights are clustered once by
 * {@link KMeansCodebook} — all of them, or divided by their output channel's root mean square,
 * or channel by channel ({@link CodebookOptions.Scale}) — and the network computes with
 * {@code scale_c * centroid[index]}. After every optimizer step the centroids follow the
 * training signal, as in Deep Compression's centroid fine-tuning (Han, Mao and Dally 2016,
 * section 3.3), in one of two ways ({@link CodebookOptions.Update}): {@code LLOYD} keeps a
 * full-precision shadow copy that takes the optimizer's updates (straight-through), recomputes
 * the channel scales from it and runs one Lloyd iteration on it, so weights may change clusters;
 * {@code ASSIGN} does the same but leaves the centroids where k-means put them; {@code GRADIENT}
 * keeps the assignments and moves centroids and scales by the least-squares step for their
 * members' changes. Its checkpointed state: the shadow weights (not with {@code GRADIENT}), the
 * channel scales (where there are), and each codebook's centroids and assignments.
 */
final class CodebookQuantHook extends QuantizationHook {
    private final CodebookOptions options;
    private final Set<String> perChannelBooks;
    private final Map<String, float[]> shadow = new HashMap<>();
    private final Map<String, float[]> scales = new HashMap<>();
    private final Map<String, Books> books = new HashMap<>();
    private final Map<String, Integer> bitsOf = new HashMap<>();

    CodebookQuantHook(List<WeightTensor> tensors, Map<String, Integer> bits, CodebookOptions options) {
        this(tensors, bits, options, options.scale() == CodebookOptions.Scale.CHANNEL_CODEBOOKS
                ? perChannelWhereBytesAllow(tensors, bits) : Set.of());
    }

    /** @param perChannelBooks the keys of the tensors that get a codebook per channel (the others: options' scale) */
    CodebookQuantHook(List<WeightTensor> tensors, Map<String, Integer> bits, CodebookOptions options,
                      Set<String> perChannelBooks) {
        super(tensors, bits);
        this.options = options;
        this.perChannelBooks = Set.copyOf(perChannelBooks);
    }

    /**
     * The tensors that get a codebook per channel: cheapest upgrade first, while the codebook and
     * scale floats of all tensors stay within uniform quantization's two per channel.
     */
    static Set<String> perChannelWhereBytesAllow(List<WeightTensor> tensors, Map<String, Integer> bits) {
        long budget = 0;
        long used = 0;
        for (WeightTensor t : tensors) {
            long channels = t.shape()[t.channelAxis()];
            budget += 2 * channels;
            used += channels + (1L << bits.get(t.key()));
        }
        List<WeightTensor> byCost = new ArrayList<>(tensors);
        byCost.sort(Comparator.comparingLong(t -> extraFloats(t, bits.get(t.key()))));
        Set<String> out = new HashSet<>();
        for (WeightTensor t : byCost) {
            long extra = extraFloats(t, bits.get(t.key()));
            if (used + extra <= budget) {
                used += extra;
                out.add(t.key());
            }
        }
        return out;
    }

    /** Floats a per-channel codebook layout stores beyond the shared, scaled one. */
    private static long extraFloats(WeightTensor t, int bits) {
        long channels = t.shape()[t.channelAxis()];
        return (channels << bits) - channels - (1L << bits);
    }

    @Override
    void init(WeightTensor t, int bits, float[] values) {
        bitsOf.put(t.key(), bits);
        float[] s = null;
        if (options.scale() != CodebookOptions.Scale.LAYER && !perChannelBooks.contains(t.key())) {
            s = rootMeanSquares(values, t);
            scales.put(t.key(), s);
        }
        if (options.update() != CodebookOptions.Update.GRADIENT) {
            shadow.put(t.key(), values);
        }
        int[][] groups = perChannelBooks.contains(t.key()) ? channelMembers(t) : new int[][]{null};
        KMeansCodebook[] fitted = new KMeansCodebook[groups.length];
        float[] u = normalised(values, s, t);
        for (int g = 0; g < groups.length; g++) {
            fitted[g] = KMeansCodebook.fit(gather(u, groups[g]), bits, options.init());
        }
        books.put(t.key(), new Books(groups, fitted));
    }

    @Override
    float[] project(WeightTensor t) {
        Books b = books.get(t.key());
        float[] v = new float[Math.toIntExact(t.size())];
        for (int g = 0; g < b.groups.length; g++) {
            scatter(b.books[g].values(), b.groups[g], v);
        }
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
        Books b = books.get(t.key());
        float[] s = scales.get(t.key());
        if (options.update() != CodebookOptions.Update.GRADIENT) {
            float[] w = shadow.get(t.key());
            for (int i = 0; i < w.length; i++) {
                w[i] += delta[i];
            }
            if (s != null) {
                System.arraycopy(rootMeanSquares(w, t), 0, s, 0, s.length);
            }
            float[] u = normalised(w, s, t);
            for (int g = 0; g < b.groups.length; g++) {
                if (options.update() == CodebookOptions.Update.LLOYD) {
                    b.books[g].refine(gather(u, b.groups[g]));
                } else {
                    b.books[g].reassign(gather(u, b.groups[g]));
                }
            }
            return;
        }
        float[] per = s == null ? null : perElement(s, t);
        if (s != null) {
            descendScales(s, b.books[0], delta, t);
        }
        for (int g = 0; g < b.groups.length; g++) {
            b.books[g].descend(gather(delta, b.groups[g]), per == null ? null : gather(per, b.groups[g]));
        }
    }

    @Override
    public String stateName() {
        return "codebook-quant/1";
    }

    @Override
    void saveTensor(WeightTensor t, DataOutput out) throws IOException {
        if (options.update() != CodebookOptions.Update.GRADIENT) {
            HookState.writeFloats(out, shadow.get(t.key()));
        }
        float[] s = scales.get(t.key());
        out.writeBoolean(s != null);
        if (s != null) {
            HookState.writeFloats(out, s);
        }
        Books b = books.get(t.key());
        out.writeInt(b.books.length);
        for (KMeansCodebook book : b.books) {
            HookState.writeFloats(out, book.centroids());
            out.writeInt(book.indices().length);
            for (int i : book.indices()) {
                out.writeShort(i); // at most 2^16 centroids
            }
        }
    }

    @Override
    void restoreTensor(WeightTensor t, int bits, DataInput in) throws IOException {
        bitsOf.put(t.key(), bits);
        int size = Math.toIntExact(t.size());
        if (options.update() != CodebookOptions.Update.GRADIENT) {
            shadow.put(t.key(), HookState.readFloats(in, size, "the shadow weights of " + t.key()));
        }
        if (in.readBoolean()) {
            scales.put(t.key(), HookState.readFloats(in, (int) t.shape()[t.channelAxis()], "the channel scales of " + t.key()));
        } else {
            scales.remove(t.key());
        }
        int[][] groups = perChannelBooks.contains(t.key()) ? channelMembers(t) : new int[][]{null};
        int count = in.readInt();
        if (count != groups.length) {
            throw new IllegalStateException("hook state holds " + count + " codebooks for " + t.key() + ", this run has "
                    + groups.length);
        }
        KMeansCodebook[] restored = new KMeansCodebook[count];
        for (int g = 0; g < count; g++) {
            float[] c = HookState.readFloats(in, -1, "the centroids of " + t.key());
            if (c.length == 0 || c.length > 1 << bits) {
                throw new IllegalStateException("hook state holds " + c.length + " centroids for " + t.key() + " of "
                        + bits + " bits");
            }
            int members = groups[g] == null ? size : groups[g].length;
            int n = in.readInt();
            if (n != members) {
                throw new IllegalStateException("hook state assigns " + n + " weights of " + t.key() + ", this network has "
                        + members);
            }
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = in.readUnsignedShort();
                if (idx[i] >= c.length) {
                    throw new IllegalStateException("hook state assigns a weight of " + t.key() + " to centroid " + idx[i]
                            + " of " + c.length);
                }
            }
            restored[g] = new KMeansCodebook(c, idx);
        }
        books.put(t.key(), new Books(groups, restored));
    }

    @Override
    TensorEncoding encode(WeightTensor t) {
        Books b = books.get(t.key());
        float[] s = scales.get(t.key());
        int bits = bitsOf.get(t.key());
        if (options.scale() == CodebookOptions.Scale.LAYER) {
            return CodebookTensor.of(t.shape(), bits, b.books[0].centroids().clone(), b.books[0].indices());
        }
        int[] idx = new int[Math.toIntExact(t.size())];
        for (int g = 0; g < b.groups.length; g++) {
            int[] own = b.books[g].indices();
            if (b.groups[g] == null) {
                idx = own.clone();
            } else {
                for (int j = 0; j < own.length; j++) {
                    idx[b.groups[g][j]] = own[j];
                }
            }
        }
        if (s != null) {
            return ChannelCodebookTensor.of(t.shape(), bits, t.channelAxis(), s.clone(), b.books[0].centroids().clone(),
                    idx);
        }
        int k = 1 << bits;
        float[] all = new float[b.groups.length * k];
        for (int g = 0; g < b.groups.length; g++) {
            float[] c = b.books[g].centroids();
            for (int j = 0; j < k; j++) {
                all[g * k + j] = c[Math.min(j, c.length - 1)]; // a channel with fewer distinct values repeats its last
            }
        }
        return ChannelCodebookTensor.of(t.shape(), bits, t.channelAxis(), new float[0], all, idx);
    }

    /** A tensor's codebooks: one over all elements ({@code groups[0] == null}) or one per channel's elements. */
    private record Books(int[][] groups, KMeansCodebook[] books) {
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
        int count = (int) t.shape()[t.channelAxis()];
        double[] sum = new double[count];
        long[] members = new long[count];
        int[] channel = channels(t);
        for (int i = 0; i < w.length; i++) {
            int c = channel[i];
            sum[c] += (double) w[i] * w[i];
            members[c]++;
        }
        float[] out = new float[count];
        for (int c = 0; c < count; c++) {
            out[c] = members[c] == 0 ? 0f : (float) Math.sqrt(sum[c] / members[c]);
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

    /** Per output channel of {@code t}, its elements' positions, ascending. */
    private static int[][] channelMembers(WeightTensor t) {
        int[] channel = channels(t);
        int count = (int) t.shape()[t.channelAxis()];
        int[] size = new int[count];
        for (int c : channel) {
            size[c]++;
        }
        int[][] out = new int[count][];
        for (int c = 0; c < count; c++) {
            out[c] = new int[size[c]];
        }
        int[] fill = new int[count];
        for (int i = 0; i < channel.length; i++) {
            out[channel[i]][fill[channel[i]]++] = i;
        }
        return out;
    }

    /** {@code v} at {@code positions} ({@code v} itself when null). */
    private static float[] gather(float[] v, int[] positions) {
        if (positions == null) {
            return v;
        }
        float[] out = new float[positions.length];
        for (int j = 0; j < positions.length; j++) {
            out[j] = v[positions[j]];
        }
        return out;
    }

    private static void scatter(float[] values, int[] positions, float[] into) {
        if (positions == null) {
            System.arraycopy(values, 0, into, 0, values.length);
            return;
        }
        for (int j = 0; j < positions.length; j++) {
            into[positions[j]] = values[j];
        }
    }
}
