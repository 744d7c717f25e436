package org.pocketflow.worker.learn.quant;

import org.pocketflow.worker.export.UniformTensor;

/**
 * Per-channel asymmetric uniform quantization of a weight tensor to {@code b} bits: channel
 * {@code c}'s range {@code [alpha_c * min_c, alpha_c * max_c]} is split into {@code 2^b - 1} equal
 * steps and every weight is rounded to the nearest level (values outside are clipped). The
 * clipping factor {@code alpha_c} in {1.0, 0.95, ..., 0.5} is chosen once per channel to minimise
 * the squared quantization error, which matters at 2 to 4 bits where a few large weights would
 * otherwise waste most levels (the MSE clipping of Banner, Nahshan and Soudry 2019, searched
 * over a grid). Stateless.
 */
public final class UniformQuantizer {
    private static final int CLIP_STEPS = 11;

    private UniformQuantizer() {
    }

    /** Per-channel clipping factors minimising the squared error of {@code bits}-bit quantization. */
    public static float[] clipFactors(float[] w, long[] shape, int axis, int bits) {
        int channels = (int) shape[axis];
        float[][] range = ranges(w, shape, axis);
        float[] best = new float[channels];
        double[] bestErr = new double[channels];
        java.util.Arrays.fill(bestErr, Double.POSITIVE_INFINITY);
        float[] alpha = new float[channels];
        float[] out = new float[w.length];
        for (int s = 0; s < CLIP_STEPS; s++) {
            java.util.Arrays.fill(alpha, 1.0f - 0.05f * s);
            fakeQuantize(w, shape, axis, bits, alpha, range, out);
            double[] err = new double[channels];
            long stride = stride(shape, axis);
            for (int i = 0; i < w.length; i++) {
                int c = (int) ((i / stride) % channels);
                double d = w[i] - out[i];
                err[c] += d * d;
            }
            for (int c = 0; c < channels; c++) {
                if (err[c] < bestErr[c]) {
                    bestErr[c] = err[c];
                    best[c] = alpha[c];
                }
            }
        }
        return best;
    }

    /** Quantizes and dequantizes {@code w} into {@code out}: the values the network computes with. */
    public static void fakeQuantize(float[] w, long[] shape, int axis, int bits, float[] alpha, float[] out) {
        fakeQuantize(w, shape, axis, bits, alpha, ranges(w, shape, axis), out);
    }

    /** The packed encoding of {@code w} (same levels as {@link #fakeQuantize}). */
    public static UniformTensor encode(float[] w, long[] shape, int axis, int bits, float[] alpha) {
        float[][] range = ranges(w, shape, axis);
        int channels = (int) shape[axis];
        float[] scales = new float[channels];
        float[] offsets = new float[channels];
        steps(range, alpha, bits, scales, offsets);
        int[] q = new int[w.length];
        long stride = stride(shape, axis);
        int top = (1 << bits) - 1;
        for (int i = 0; i < w.length; i++) {
            int c = (int) ((i / stride) % channels);
            q[i] = level(w[i], scales[c], offsets[c], top);
        }
        return UniformTensor.of(shape, bits, axis, scales, offsets, q);
    }

    private static void fakeQuantize(float[] w, long[] shape, int axis, int bits, float[] alpha, float[][] range,
                                     float[] out) {
        int channels = (int) shape[axis];
        float[] scales = new float[channels];
        float[] offsets = new float[channels];
        steps(range, alpha, bits, scales, offsets);
        long stride = stride(shape, axis);
        int top = (1 << bits) - 1;
        for (int i = 0; i < w.length; i++) {
            int c = (int) ((i / stride) % channels);
            out[i] = offsets[c] + scales[c] * level(w[i], scales[c], offsets[c], top);
        }
    }

    private static int level(float v, float scale, float offset, int top) {
        if (scale == 0f) {
            return 0;
        }
        int q = Math.round((v - offset) / scale);
        return Math.max(0, Math.min(top, q));
    }

    private static void steps(float[][] range, float[] alpha, int bits, float[] scales, float[] offsets) {
        int top = (1 << bits) - 1;
        for (int c = 0; c < scales.length; c++) {
            float lo = alpha[c] * range[0][c];
            float hi = alpha[c] * range[1][c];
            offsets[c] = lo;
            scales[c] = hi > lo ? (hi - lo) / top : 0f;
        }
    }

    /** {@code [min[], max[]]} per channel; the range always includes 0, so zero weights stay near zero. */
    private static float[][] ranges(float[] w, long[] shape, int axis) {
        int channels = (int) shape[axis];
        float[] lo = new float[channels];
        float[] hi = new float[channels];
        long stride = stride(shape, axis);
        for (int i = 0; i < w.length; i++) {
            int c = (int) ((i / stride) % channels);
            lo[c] = Math.min(lo[c], w[i]);
            hi[c] = Math.max(hi[c], w[i]);
        }
        return new float[][]{lo, hi};
    }

    private static long stride(long[] shape, int axis) {
        long s = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            s *= shape[d];
        }
        return s;
    }
}
