package org.pocketflow.qsgd.codec;

import org.pocketflow.qsgd.CodecId;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.kernel.ErrorFeedback;
import org.pocketflow.qsgd.kernel.StochasticRounding;

/**
 * Error-compensated quantized SGD (Wu, Huang, Huang, Zhang, "Error Compensated Quantized SGD and
 * its Applications to Large-scale Distributed Optimization", ICML 2018, arXiv:1806.08054,
 * Algorithm 1). Each worker keeps the accumulated quantization error {@code h} (zero at
 * the start) and, at every step with local gradient {@code g}, sends
 *
 * <pre>
 *   g~ = Q(g + α h)                  the compensated gradient, quantized
 *   h  <- β h + (g - g~)             the error accumulation
 * </pre>
 *
 * where {@code Q} is the bucketed, unbiased stochastic quantizer of {@link QsgdCodec} with s
 * levels and an l2 or l-infinity bucket norm. With α = β = 1 this is plain error feedback; α &lt; 1
 * tames quantizers whose error exceeds the signal, β &lt; 1 forgets stale error.
 *
 * <p>The residual {@code h} belongs to the worker's {@link GradientEncoder}, never to the codec.
 * Error bound of one round trip from a fresh encoder ({@code h = 0}): {@code |g_i - g~_i| <
 * scale / s} per element. Payload: {@link LevelFormat}; decoding is the same as QSGD's.
 */
public final class EcqCodec extends LevelCodec<EcqParams> {

    private static final long serialVersionUID = 1L;

    public EcqCodec(EcqParams params) {
        super(params, new LevelFormat(params.bucketSize(), params.levels(), params.coding()));
    }

    /** ECQ-SGD with {@link EcqParams#defaults()}. */
    public EcqCodec() {
        this(EcqParams.defaults());
    }

    @Override
    public CodecId id() {
        return CodecId.ECQ;
    }

    @Override
    public GradientEncoder newEncoder(long seed) {
        return new Encoder(this, seed);
    }

    private static final class Encoder extends LevelEncoder {
        private final int s;
        private final BucketNorm norm;
        private final float alpha;
        private final float beta;
        private final float[] compensated;
        private float[] h;

        Encoder(EcqCodec codec, long seed) {
            super(codec, seed, codec.format());
            EcqParams p = codec.params();
            this.s = p.levels();
            this.norm = p.norm();
            this.alpha = p.alpha();
            this.beta = p.beta();
            this.compensated = new float[p.bucketSize()];
        }

        @Override
        protected void allocate(int n) {
            super.allocate(n);
            h = new float[n];
        }

        @Override
        protected float quantizeBucket(float[] g, int off, int len, int key, int[] levels) {
            ErrorFeedback.compensate(g, h, off, len, alpha, compensated);
            float scale = norm.of(compensated, 0, len);
            requireFinite(scale, off, len);
            StochasticRounding.levels(compensated, 0, len, StochasticRounding.inverseUnit(scale, s), s, key, off, levels);
            ErrorFeedback.accumulate(g, h, off, len, levels, scale / s, beta);
            return scale;
        }

        @Override
        protected void restoreResidual(float[] saved) {
            System.arraycopy(saved, 0, h, 0, saved.length);
        }

        @Override
        public float[] residual() {
            return h == null ? new float[0] : h.clone();
        }
    }
}
