package org.pocketflow.worker.learn.quant;

import java.util.Arrays;

/**
 * One-dimensional k-means over a layer's weights: {@code 2^b} centroids initialised at the
 * quantiles {@code (j + 0.5) / 2^b} of the weights or evenly between the smallest and the
 * largest ({@link CodebookOptions.Init}), then Lloyd iterations (assign each weight to
 * its nearest centroid, move each centroid to its members' mean) until no assignment changes or
 * the iteration limit is reached (Han, Mao and Dally 2016, "Deep Compression", section 3.1,
 * eq. 1). Deterministic: no random initialisation.
 *
 * @param centroids sorted ascending
 * @param indices   per weight, the index of its centroid
 */
public record KMeansCodebook(float[] centroids, int[] indices) {
    private static final int MAX_ITERATIONS = 30;

    /** Clusters {@code w} into {@code 2^bits} centroids from the quantiles. */
    public static KMeansCodebook fit(float[] w, int bits) {
        return fit(w, bits, CodebookOptions.Init.QUANTILE);
    }

    /** Clusters {@code w} into {@code 2^bits} centroids (fewer when {@code w} has fewer distinct values). */
    public static KMeansCodebook fit(float[] w, int bits, CodebookOptions.Init init) {
        if (bits < 1 || bits > 16) {
            throw new IllegalArgumentException("codebook bits must be in 1..16, but got " + bits);
        }
        float[] c = distinct(initial(w, 1 << bits, init));
        int[] idx = new int[w.length];
        assign(w, c, idx);
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            double[] sum = new double[c.length];
            int[] count = new int[c.length];
            for (int i = 0; i < w.length; i++) {
                sum[idx[i]] += w[i];
                count[idx[i]]++;
            }
            for (int j = 0; j < c.length; j++) {
                if (count[j] > 0) {
                    c[j] = (float) (sum[j] / count[j]);
                }
            }
            Arrays.sort(c);
            if (!assign(w, c, idx)) {
                break;
            }
        }
        return new KMeansCodebook(c, idx);
    }

    /**
     * One Lloyd iteration on new values {@code w} (same length as {@link #indices()}): each value
     * goes to its nearest centroid, then each centroid with members moves to their mean. Both
     * arrays of this codebook are updated in place; the centroids stay sorted.
     */
    public void refine(float[] w) {
        assign(w, centroids, indices);
        double[] sum = new double[centroids.length];
        int[] count = new int[centroids.length];
        for (int i = 0; i < w.length; i++) {
            sum[indices[i]] += w[i];
            count[indices[i]]++;
        }
        for (int j = 0; j < centroids.length; j++) {
            if (count[j] > 0) {
                centroids[j] = (float) (sum[j] / count[j]);
            }
        }
        // means of consecutive intervals of sorted values keep their order
    }

    /** Assigns each of the new values {@code w} to its nearest centroid; the centroids stay. */
    public void reassign(float[] w) {
        assign(w, centroids, indices);
    }

    /**
     * Moves each centroid by the least-squares step for its members' changes with assignments
     * fixed: element {@code i} computes with {@code scale[i] * centroids[indices[i]]} and should
     * change by {@code delta[i]}, so centroid {@code j} moves by
     * {@code sum(scale[i] * delta[i]) / sum(scale[i]^2)} over its members ({@code scale} null: all
     * 1, the members' mean change). In place; centroids may leave their sorted order.
     */
    public void descend(float[] delta, float[] scale) {
        double[] num = new double[centroids.length];
        double[] den = new double[centroids.length];
        for (int i = 0; i < delta.length; i++) {
            double s = scale == null ? 1 : scale[i];
            num[indices[i]] += s * delta[i];
            den[indices[i]] += s * s;
        }
        for (int j = 0; j < centroids.length; j++) {
            if (den[j] > 0) {
                centroids[j] += (float) (num[j] / den[j]);
            }
        }
    }

    /** Values of the clustered tensor: {@code centroids[indices[i]]}. */
    public float[] values() {
        float[] out = new float[indices.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = centroids[indices[i]];
        }
        return out;
    }

    /** Sorted initial centroids, possibly repeated. */
    private static float[] initial(float[] w, int k, CodebookOptions.Init init) {
        float[] sorted = w.clone();
        Arrays.sort(sorted);
        float[] c = new float[k];
        float lo = sorted[0];
        float hi = sorted[sorted.length - 1];
        for (int j = 0; j < k; j++) {
            c[j] = switch (init) {
                case QUANTILE -> sorted[(int) Math.min(sorted.length - 1, (long) ((j + 0.5) / k * sorted.length))];
                case LINEAR -> k == 1 ? (lo + hi) / 2 : lo + (hi - lo) * j / (k - 1);
            };
        }
        return c;
    }

    /** Assigns each weight to its nearest (sorted) centroid; returns whether any assignment changed. */
    private static boolean assign(float[] w, float[] c, int[] idx) {
        boolean changed = false;
        for (int i = 0; i < w.length; i++) {
            int pos = Arrays.binarySearch(c, w[i]);
            int j;
            if (pos >= 0) {
                j = pos;
            } else {
                int hi = -pos - 1;
                if (hi == 0) {
                    j = 0;
                } else if (hi == c.length) {
                    j = c.length - 1;
                } else {
                    j = w[i] - c[hi - 1] <= c[hi] - w[i] ? hi - 1 : hi;
                }
            }
            if (idx[i] != j) {
                idx[i] = j;
                changed = true;
            }
        }
        return changed;
    }

    private static float[] distinct(float[] sorted) {
        int n = 0;
        float[] out = new float[sorted.length];
        for (float v : sorted) {
            if (n == 0 || out[n - 1] != v) {
                out[n++] = v;
            }
        }
        return Arrays.copyOf(out, n);
    }
}
