package org.pocketflow.qsgd.codec;

import org.pocketflow.qsgd.kernel.BucketNorms;

/** The norm that scales a bucket before stochastic rounding. The ordinal is the wire value. */
public enum BucketNorm {
    /**
     * Euclidean norm, as in QSGD: levels are sparse (most elements round to 0), which suits
     * {@link LevelCoding#RUN_LENGTH}; the variance is larger, at most
     * {@code min(d/s^2, sqrt(d)/s) ||v||^2} for a bucket of d elements (QSGD, Lemma 3.1).
     */
    L2 {
        @Override
        public float of(float[] a, int off, int len) {
            return BucketNorms.l2(a, off, len);
        }
    },
    /**
     * Largest absolute value, as in TernGrad: the levels use the whole range, so the variance is
     * smaller (at most {@code d max|v|^2 / (4 s^2)}) and fixed-width symbols carry more.
     */
    LINF {
        @Override
        public float of(float[] a, int off, int len) {
            return BucketNorms.maxAbs(a, off, len);
        }
    };

    /** The norm of {@code a[off, off+len)}. */
    public abstract float of(float[] a, int off, int len);

    static BucketNorm fromWire(int v) {
        if (v < 0 || v >= values().length) {
            throw new IllegalArgumentException("bucket norm id must be 0 (L2) or 1 (LINF), but got " + v);
        }
        return values()[v];
    }
}
