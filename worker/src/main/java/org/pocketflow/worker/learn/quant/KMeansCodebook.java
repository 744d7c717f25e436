package org.pocketflow.worker.learn.quant;

import java.util.Arrays;

/**
 * One-dimensional k-means over a layer's weights: {@code 2^b} centroids initialised at the
 * quantiles {@code (j + 0.5) / 2^b} of the weights, then Lloyd iterations (assign each weight to
 * its nearest centroid, move each centroid to its members' mean) until no assignment changes or
 * the iteration limit is reached (Han, Mao and Dally 2016, "Deep Compression", section 3.1,
 * eq. 1). Deterministic: no random initialisation.
 *
 * @param centroids sorted ascending
 * @param indices   per weight, the index of its centroid
 */
public record KMeansCodebook(float[] centroids, int[] indices) {
    private static final int MAX_ITERATIONS = 30;

    /** Clusters {@code w} into {@code 2^bits} centroids (fewer when {@code w} has fewer distinct values). */
    public static KMeansCodebook fit(float[] w, int bits) {
        if (bits < 1 || bits > 16) {
            throw new IllegalArgumentException("codebook bits must be in 1..16, but got " + bits);
        }
        float[] sorted = w.clone();
        Arrays.sort(sorted);
        int k = 1 << bits;
        float[] c = new float[k];
        for (int j = 0; j < k; j++) {
            c[j] = sorted[(int) Math.min(sorted.length - 1, (long) ((j + 0.5) / k * sorted.length))];
        }
        c = distinct(c);
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

    /** Values of the clustered tensor: {@code centroids[indices[i]]}. */
    public float[] values() {
        float[] out = new float[indices.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = centroids[indices[i]];
        }
        return out;
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
