package org.pocketflow.qsgd.kernel;

/**
 * Norms of one bucket, summed in a fixed order: element {@code off + i} goes to partial sum
 * {@code i % 8}, and the eight partial sums are combined as
 * {@code ((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7))} — the order of an eight-lane vector accumulator,
 * so {@link VectorKernels} gives the same bits. Eight independent chains also keep the adder
 * pipeline full in the plain loop.
 */
public final class BucketNorms {

    private BucketNorms() {
    }

    /** The l2 norm of {@code a[off, off+len)}. */
    public static float l2(float[] a, int off, int len) {
        return (float) Math.sqrt(sumOfSquares(a, off, len));
    }

    /** Sum of squares of {@code a[off, off+len)}, in the fixed order. */
    public static float sumOfSquares(float[] a, int off, int len) {
        return Simd.ENABLED ? VectorKernels.sum(a, off, len, true) : sumScalar(a, off, len, true);
    }

    /** Sum of absolute values of {@code a[off, off+len)}, in the fixed order. */
    public static float l1(float[] a, int off, int len) {
        return Simd.ENABLED ? VectorKernels.sum(a, off, len, false) : sumScalar(a, off, len, false);
    }

    /**
     * The largest absolute value of {@code a[off, off+len)}; NaN if any element is NaN (so that a
     * caller checking the norm for finiteness also catches NaN gradients).
     */
    public static float maxAbs(float[] a, int off, int len) {
        return Simd.ENABLED ? VectorKernels.maxAbs(a, off, len) : maxAbsScalar(a, off, len);
    }

    /** Compares magnitudes as integers (monotonic for non-negative floats, and NaN above infinity). */
    static float maxAbsScalar(float[] a, int off, int len) {
        int m = 0;
        for (int i = off; i < off + len; i++) {
            m = Math.max(m, Float.floatToRawIntBits(a[i]) & 0x7FFFFFFF);
        }
        return Float.intBitsToFloat(m);
    }

    static float combine(float s0, float s1, float s2, float s3, float s4, float s5, float s6, float s7) {
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    private static float term(float x, boolean square) {
        return square ? x * x : Math.abs(x);
    }

    static float sumScalar(float[] a, int off, int len, boolean sq) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int full = off + (len & ~7);
        int i = off;
        for (; i < full; i += 8) {
            s0 += term(a[i], sq);
            s1 += term(a[i + 1], sq);
            s2 += term(a[i + 2], sq);
            s3 += term(a[i + 3], sq);
            s4 += term(a[i + 4], sq);
            s5 += term(a[i + 5], sq);
            s6 += term(a[i + 6], sq);
            s7 += term(a[i + 7], sq);
        }
        switch (len & 7) {
            case 7: s6 += term(a[i + 6], sq); // fall through
            case 6: s5 += term(a[i + 5], sq); // fall through
            case 5: s4 += term(a[i + 4], sq); // fall through
            case 4: s3 += term(a[i + 3], sq); // fall through
            case 3: s2 += term(a[i + 2], sq); // fall through
            case 2: s1 += term(a[i + 1], sq); // fall through
            case 1: s0 += term(a[i], sq); // fall through
            default: break;
        }
        return combine(s0, s1, s2, s3, s4, s5, s6, s7);
    }
}
