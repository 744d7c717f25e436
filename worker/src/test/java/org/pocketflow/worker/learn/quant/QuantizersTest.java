package org.pocketflow.worker.learn.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.pocketflow.worker.export.UniformTensor;

class QuantizersTest {
    private static final long[] SHAPE = {8, 4, 5, 5};

    private static float[] weights(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[800];
        for (int i = 0; i < w.length; i++) {
            // per-channel scale so per-channel ranges matter; one outlier per channel
            w[i] = (float) (r.nextGaussian() * 0.05 * (1 + i / 100));
        }
        for (int c = 0; c < 8; c++) {
            w[c * 100] = 0.8f;
        }
        return w;
    }

    /** Mean squared difference of two arrays of the same length. */
    static double mse(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return s / a.length;
    }

    @Test
    void uniformUsesAtMostTwoToTheBitsLevelsPerChannelAndErrorFallsWithBits() {
        float[] w = weights(1);
        double previous = Double.POSITIVE_INFINITY;
        for (int bits = 2; bits <= 8; bits++) {
            float[] alpha = UniformQuantizer.clipFactors(w, SHAPE, 0, bits);
            float[] q = new float[w.length];
            UniformQuantizer.fakeQuantize(w, SHAPE, 0, bits, alpha, q);
            for (int c = 0; c < 8; c++) {
                Set<Float> levels = new HashSet<>();
                for (int i = c * 100; i < (c + 1) * 100; i++) {
                    levels.add(q[i]);
                }
                assertTrue(levels.size() <= 1 << bits, bits + " bits, channel " + c + ": " + levels.size());
            }
            double e = mse(w, q);
            assertTrue(e < previous, bits + " bits: error " + e + " not below " + previous);
            previous = e;
        }
        assertTrue(previous < 1e-5, "8-bit error " + previous);
    }

    @Test
    void packedEncodingDecodesToTheFakeQuantizedValues() {
        float[] w = weights(2);
        for (int bits : new int[]{2, 3, 4, 8}) {
            float[] alpha = UniformQuantizer.clipFactors(w, SHAPE, 0, bits);
            float[] q = new float[w.length];
            UniformQuantizer.fakeQuantize(w, SHAPE, 0, bits, alpha, q);
            UniformTensor t = UniformQuantizer.encode(w, SHAPE, 0, bits, alpha);
            assertArrayEquals(q, t.decode(), 1e-6f, bits + " bits");
            for (int level : t.levels()) {
                assertTrue(level >= 0 && level < 1 << bits);
            }
        }
    }

    @Test
    void clippingBeatsTheFullRangeAtTwoBits() {
        float[] w = weights(3);
        float[] full = new float[8];
        java.util.Arrays.fill(full, 1f);
        float[] q1 = new float[w.length];
        float[] q2 = new float[w.length];
        UniformQuantizer.fakeQuantize(w, SHAPE, 0, 2, full, q1);
        UniformQuantizer.fakeQuantize(w, SHAPE, 0, 2, UniformQuantizer.clipFactors(w, SHAPE, 0, 2), q2);
        assertTrue(mse(w, q2) < mse(w, q1), "clipped " + mse(w, q2) + " vs full range " + mse(w, q1));
    }

    @Test
    void kMeansCodebookHasAtMostTwoToTheBitsCentroidsAndBeatsUniformOnBellShapedWeights() {
        SplittableRandom r = new SplittableRandom(4);
        float[] w = new float[20_000];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * 0.1);
        }
        long[] shape = {1, 20_000};
        for (int bits = 2; bits <= 4; bits++) {
            KMeansCodebook book = KMeansCodebook.fit(w, bits);
            assertTrue(book.centroids().length <= 1 << bits);
            for (int i = 1; i < book.centroids().length; i++) {
                assertTrue(book.centroids()[i - 1] < book.centroids()[i], "centroids sorted and distinct");
            }
            float[] uq = new float[w.length];
            UniformQuantizer.fakeQuantize(w, shape, 0, bits, UniformQuantizer.clipFactors(w, shape, 0, bits), uq);
            double kmeans = mse(w, book.values());
            assertTrue(kmeans < mse(w, uq), bits + " bits: k-means " + kmeans + " vs uniform " + mse(w, uq));
        }
        assertEquals(1, KMeansCodebook.fit(new float[]{0.5f, 0.5f, 0.5f}, 3).centroids().length);
    }
}
