package org.pocketflow.qsgd.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The vector loops give the same bits as the plain loops, at every length and offset, so a
 * message never depends on whether a JVM has the vector module. (Surefire runs this module's
 * tests with {@code --add-modules jdk.incubator.vector}; without AVX2 the test is skipped.)
 */
class VectorKernelsTest {

    @BeforeAll
    static void vectorLoopsAreActive() {
        assumeTrue(Simd.ENABLED, "vector API unavailable: JVM without the module or CPU without 256-bit vectors");
    }

    private static float[] gaussian(long seed, int n, double sigma) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * sigma);
        }
        if (n > 5) {
            a[1] = 0f;
            a[2] = -0f;
            a[3] = 1e-40f;
        }
        return a;
    }

    @Test
    void roundingMatchesThePlainLoop() {
        for (int len = 0; len < 200; len++) {
            float[] p = gaussian(len, len + 3, 1.0);
            for (int s : new int[] {1, 3, 7, 127, 32767}) {
                float inv = StochasticRounding.inverseUnit(BucketNorms.maxAbs(p, 3, len), s);
                int[] vector = new int[len];
                int[] plain = new int[len];
                VectorKernels.levels(p, 3, len, inv, s, 12345 + len, 1000, vector);
                StochasticRounding.levelsScalar(p, 3, len, inv, s, 12345 + len, 1000, plain, 0);
                assertArrayEquals(plain, vector, "len " + len + " s " + s);
            }
        }
    }

    @Test
    void normsMatchThePlainLoopsBitForBit() {
        for (int len = 0; len < 200; len++) {
            float[] a = gaussian(len, len + 5, 3.0);
            assertEquals(BucketNorms.sumScalar(a, 5, len, true), VectorKernels.sum(a, 5, len, true), 0f, "len " + len);
            assertEquals(BucketNorms.sumScalar(a, 5, len, false), VectorKernels.sum(a, 5, len, false), 0f, "len " + len);
            assertEquals(BucketNorms.maxAbsScalar(a, 5, len), VectorKernels.maxAbs(a, 5, len), 0f, "len " + len);
        }
    }

    @Test
    void packingMatchesThePlainLoopAtEveryWidth() {
        SplittableRandom r = new SplittableRandom(8);
        for (int width : new int[] {2, 4, 8, 16}) {
            int s = ((1 << width) - 2) / 2;
            for (int len : new int[] {0, 1, 16, 63, 64, 128, 200, 512}) {
                int[] levels = new int[len];
                for (int j = 0; j < len; j++) {
                    levels[j] = r.nextInt(-s, s + 1);
                }
                byte[] vector = new byte[FixedWidthPacking.bytesFor(len, width) + 16];
                byte[] plain = vector.clone();
                FixedWidthPacking.pack(levels, len, s, width, vector, 16);
                FixedWidthPacking.packScalar(levels, 0, len, s, width, plain, 16);
                assertArrayEquals(plain, vector, "width " + width + " len " + len);
                for (boolean add : new boolean[] {false, true}) {
                    float[] v = gaussian(len, len + 2, 1.0);
                    float[] p = v.clone();
                    FixedWidthPacking.unpack(vector, 16, len, width, s, 0.37f, v, 2, add);
                    FixedWidthPacking.unpackScalar(plain, 16, 0, len, width, s, 0.37f, p, 2, add);
                    assertArrayEquals(p, v, "width " + width + " len " + len + " add " + add);
                }
            }
        }
    }
}
