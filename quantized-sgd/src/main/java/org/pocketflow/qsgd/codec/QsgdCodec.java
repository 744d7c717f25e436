package org.pocketflow.qsgd.codec;

import org.pocketflow.qsgd.CodecId;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.kernel.StochasticRounding;

/**
 * QSGD without feedback (Alistarh et al., "QSGD: Communication-Efficient SGD via Gradient
 * Quantization and Encoding", NIPS 2017, Sec. 3.1): each bucket {@code v} of d elements is sent
 * as {@code Q_s(v)_i = ||v|| sign(v_i) ξ_i(v, s)} with {@code ξ_i} the unbiased stochastic
 * rounding of {@code |v_i| s / ||v||} to an integer level ({@link StochasticRounding}).
 *
 * <p>Unbiased: {@code E[Q_s(v)] = v}; variance at most {@code min(d/s^2, sqrt(d)/s) ||v||_2^2}
 * under the l2 norm (Lemma 3.1). Error bound of one round trip: {@code |v_i - Q_s(v)_i| <
 * ||v|| / s} per element. Keeps no residual. Payload: {@link LevelFormat}.
 */
public final class QsgdCodec extends LevelCodec<QsgdParams> {

    private static final long serialVersionUID = 1L;

    public QsgdCodec(QsgdParams params) {
        super(params, new LevelFormat(params.bucketSize(), params.levels(), params.coding()));
    }

    /** QSGD with {@link QsgdParams#defaults()}. */
    public QsgdCodec() {
        this(QsgdParams.defaults());
    }

    @Override
    public CodecId id() {
        return CodecId.QSGD;
    }

    @Override
    public GradientEncoder newEncoder(long seed) {
        return new Encoder(this, seed);
    }

    private static final class Encoder extends LevelEncoder {
        private final int s;
        private final BucketNorm norm;

        Encoder(QsgdCodec codec, long seed) {
            super(codec, seed, codec.format());
            this.s = codec.params().levels();
            this.norm = codec.params().norm();
        }

        @Override
        protected float quantizeBucket(float[] g, int off, int len, int key, int[] levels) {
            float scale = norm.of(g, off, len);
            requireFinite(scale, off, len);
            StochasticRounding.levels(g, off, len, StochasticRounding.inverseUnit(scale, s), s, key, off, levels);
            return scale;
        }
    }
}
