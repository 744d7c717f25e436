package org.pocketflow.qsgd.kernel;

/**
 * Unbiased stochastic rounding onto {@code s} uniform levels, QSGD's quantizer (Alistarh, Grubic,
 * Li, Tomioka, Vojnovic, "QSGD: Communication-Efficient SGD via Gradient Quantization and
 * Encoding", NIPS 2017, Sec. 3.1): with {@code x = |v| s / norm = l + f} ({@code l} integer,
 * {@code 0 <= f < 1}), the level is {@code l + 1} with probability {@code f} and {@code l}
 * otherwise, so {@code E[level] = x} and the decoded {@code sign(v) level norm / s} is unbiased.
 *
 * <p>Computed as {@code rint(x + u)} with {@code u} uniform in [-1/2, 1/2): round-to-nearest of
 * {@code x + u} is {@code l + 1} exactly when {@code u >= 1/2 - f}. The rounding itself is the
 * float addition of 1.5 * 2^23 (which leaves the integer in the low mantissa bits), so the loop has no
 * branch and no float-to-int conversion, and vectorizes ({@link VectorKernels}). With 24-bit
 * uniforms and two float roundings, the probability of rounding up differs from {@code f} by less
 * than 2^-22 — below the float resolution of {@code x} itself.
 */
public final class StochasticRounding {

    /** 1.5 * 2^23: adding it to any y in [-2^22, 2^22) rounds y to an integer held in the low mantissa bits. */
    static final float MAGIC = 0x1.8p23f;
    static final int MAGIC_BITS = 0x4B400000;

    private StochasticRounding() {
    }

    /**
     * {@code s / scale}, the factor from values to levels; 0 for an all-zero bucket, and capped at
     * {@code Float.MAX_VALUE} so that subnormal scales cannot make it infinite.
     */
    public static float inverseUnit(float scale, int s) {
        return scale > 0 ? Math.min(s / scale, Float.MAX_VALUE) : 0f;
    }

    /**
     * Signed levels in {@code [-s, s]} of {@code p[off, off+len)} into {@code levels[0, len)}.
     *
     * @param invUnit {@link #inverseUnit}{@code (scale, s)}
     * @param s number of positive levels, at most 2^15; levels are clamped to it (which also
     *     implements clipping when the scale is smaller than the largest element, as in TernGrad)
     * @param key the message key ({@link CounterRng#messageKey})
     * @param index0 the gradient index of {@code p[off]}, for the generator
     */
    public static void levels(float[] p, int off, int len, float invUnit, int s, int key, int index0,
                              int[] levels) {
        if (Simd.ENABLED) {
            VectorKernels.levels(p, off, len, invUnit, s, key, index0, levels);
        } else {
            levelsScalar(p, off, len, invUnit, s, key, index0, levels, 0);
        }
    }

    static void levelsScalar(float[] p, int off, int len, float invUnit, int s, int key, int index0,
                             int[] levels, int levelsOff) {
        for (int j = 0; j < len; j++) {
            float v = p[off + j];
            float y = Math.abs(v) * invUnit + CounterRng.centered(key, index0 + j) + MAGIC;
            int l = Math.min(Float.floatToRawIntBits(y) - MAGIC_BITS, s);
            int sign = Float.floatToRawIntBits(v) >> 31;
            levels[levelsOff + j] = (l ^ sign) - sign;
        }
    }
}
