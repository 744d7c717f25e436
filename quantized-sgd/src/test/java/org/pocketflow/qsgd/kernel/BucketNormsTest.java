package org.pocketflow.qsgd.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BucketNormsTest {

    @Test
    void normsAgreeWithDoublePrecisionSumsAtEveryTailLength() {
        SplittableRandom r = new SplittableRandom(5);
        float[] a = new float[600];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        for (int off : new int[] {0, 3}) {
            for (int len = 0; len <= 80; len++) {
                double sq = 0;
                double l1 = 0;
                double max = 0;
                for (int i = off; i < off + len; i++) {
                    sq += (double) a[i] * a[i];
                    l1 += Math.abs(a[i]);
                    max = Math.max(max, Math.abs(a[i]));
                }
                assertEquals(sq, BucketNorms.sumOfSquares(a, off, len), 1e-5 * (1 + sq), "len " + len);
                assertEquals(l1, BucketNorms.l1(a, off, len), 1e-5 * (1 + l1), "len " + len);
                assertEquals((float) max, BucketNorms.maxAbs(a, off, len), 0f, "len " + len);
            }
        }
    }

    @Test
    void maxAbsPropagatesNaNSoNonFiniteGradientsAreCaught() {
        float[] a = new float[16];
        a[9] = Float.NaN;
        assertTrue(Float.isNaN(BucketNorms.maxAbs(a, 0, 16)));
    }

    @Test
    void uniformsAreInTheUnitIntervalAndLookUniform() {
        int key = CounterRng.messageKey(1, 0);
        int[] histogram = new int[16];
        int n = 160_000;
        for (int i = 0; i < n; i++) {
            float u = CounterRng.uniform(key, i);
            assertTrue(u >= 0 && u < 1);
            histogram[(int) (u * 16)]++;
        }
        double chi2 = 0;
        for (int h : histogram) {
            chi2 += Math.pow(h - n / 16.0, 2) / (n / 16.0);
        }
        assertTrue(chi2 < 40, "chi-square with 15 degrees of freedom: " + chi2);
        assertTrue(CounterRng.messageKey(1, 0) != CounterRng.messageKey(1, 1));
        assertTrue(CounterRng.messageKey(1, 0) != CounterRng.messageKey(2, 0));
    }
}
