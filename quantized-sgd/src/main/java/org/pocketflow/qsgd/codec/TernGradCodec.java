package org.pocketflow.qsgd.codec;

import org.pocketflow.qsgd.CodecId;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.kernel.BucketNorms;
import org.pocketflow.qsgd.kernel.StochasticRounding;

/**
 * TernGrad (Wen, Xu, Yan, Wu, Wang, Chen, Li, "TernGrad: Ternary Gradients to Reduce
 * Communication in Distributed Deep Learning", NIPS 2017): {@code g~ = s_t sign(g) ∘ b}
 * with {@code s_t = max|g|} and {@code b_i ~ Bernoulli(|g_i| / s_t)}, here per bucket instead of
 * per layer, with the paper's gradient clipping: before ternarizing, elements are
 * clipped to {@code c σ}, σ the bucket's root mean square, so {@code s_t = min(max|g|, c σ)}.
 *
 * <p>Without clipping ({@code clipSigmas = 0}) it is unbiased, and equals the QSGD quantizer with
 * s = 1 under the l-infinity norm. Error bound of one round trip: {@code |g_i - g~_i| <= max(s_t,
 * |g_i|)}. Keeps no residual. Payload: {@link LevelFormat} with s = 1 and 2-bit symbols.
 */
public final class TernGradCodec extends LevelCodec<TernGradParams> {

    private static final long serialVersionUID = 1L;

    public TernGradCodec(TernGradParams params) {
        super(params, new LevelFormat(params.bucketSize(), 1, LevelCoding.FIXED_WIDTH));
    }

    /** TernGrad with {@link TernGradParams#defaults()}. */
    public TernGradCodec() {
        this(TernGradParams.defaults());
    }

    @Override
    public CodecId id() {
        return CodecId.TERNGRAD;
    }

    @Override
    public GradientEncoder newEncoder(long seed) {
        return new Encoder(this, seed);
    }

    private static final class Encoder extends LevelEncoder {
        private final float clip;

        Encoder(TernGradCodec codec, long seed) {
            super(codec, seed, codec.format());
            this.clip = codec.params().clipSigmas();
        }

        @Override
        protected float quantizeBucket(float[] g, int off, int len, int key, int[] levels) {
            float scale = BucketNorms.maxAbs(g, off, len);
            requireFinite(scale, off, len);
            if (clip > 0) {
                float rms = (float) Math.sqrt(BucketNorms.sumOfSquares(g, off, len) / len);
                scale = Math.min(scale, clip * rms);
            }
            // levels clamp at 1, which is the clipping: elements beyond the scale send ±scale
            StochasticRounding.levels(g, off, len, StochasticRounding.inverseUnit(scale, 1), 1, key, off, levels);
            return scale;
        }
    }
}
