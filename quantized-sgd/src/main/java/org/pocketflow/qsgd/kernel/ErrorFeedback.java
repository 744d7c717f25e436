package org.pocketflow.qsgd.kernel;

/**
 * The two element-wise steps of error compensation around a quantizer (ECQ-SGD, Wu et al.,
 * ICML 2018, Algorithm 1): before quantizing, {@code p = g + α h}; after, {@code h = β h + (g -
 * level * unit)}. Plain loops and {@link VectorKernels} compute the same float expressions.
 */
public final class ErrorFeedback {

    private ErrorFeedback() {
    }

    /** {@code p[j] = g[off + j] + alpha * h[off + j]} for {@code j < len}. */
    public static void compensate(float[] g, float[] h, int off, int len, float alpha, float[] p) {
        int j = Simd.ENABLED ? VectorKernels.compensate(g, h, off, len, alpha, p) : 0;
        for (; j < len; j++) {
            p[j] = g[off + j] + alpha * h[off + j];
        }
    }

    /** {@code h[off + j] = beta * h[off + j] + (g[off + j] - levels[j] * unit)} for {@code j < len}. */
    public static void accumulate(float[] g, float[] h, int off, int len, int[] levels, float unit, float beta) {
        int j = Simd.ENABLED ? VectorKernels.accumulate(g, h, off, len, levels, unit, beta) : 0;
        for (; j < len; j++) {
            h[off + j] = beta * h[off + j] + (g[off + j] - levels[j] * unit);
        }
    }
}
