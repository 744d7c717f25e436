package org.pocketflow.qsgd.codec;

import static org.pocketflow.qsgd.CorruptMessageException.Reason.WRONG_LENGTH;

import org.pocketflow.qsgd.CodecId;
import org.pocketflow.qsgd.CorruptMessageException;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.kernel.BucketNorms;
import org.pocketflow.qsgd.kernel.LittleEndian;
import org.pocketflow.qsgd.wire.Frame;
import org.pocketflow.qsgd.wire.WireFormat;

/**
 * Scaled sign with error feedback, EF-SignSGD (Karimireddy, Rebjock, Stich, Jaggi, "Error
 * Feedback Fixes SignSGD and other Gradient Compression Schemes", ICML 2019, the EF-SignSGD
 * algorithm with its scaled-sign compressor): with residual {@code e}, per bucket of d elements
 *
 * <pre>
 *   p  = g + e
 *   Δ  = (||p||_1 / d) sign(p)
 *   e <- p - Δ
 * </pre>
 *
 * (the learning rate of the paper's {@code p = γ g + e} is applied by the optimizer after
 * decoding). The compressor is a δ-approximate one with {@code δ = ||p||_1^2 / (d ||p||_2^2)},
 * which keeps the residual bounded (the paper's error bound is of order {@code (1-δ)/δ^2} times
 * the gradient bound). Deterministic: the seed is unused.
 * Error bound of one round trip from a fresh encoder: {@code |g_i - Δ_i| <= |g_i| + ||g||_1 / d}.
 *
 * <p>Payload: float32 scale[ceil(n / bucketSize)], then one bit per element (1 = negative; -0
 * counts as negative) in little-endian 64-bit words; element i decodes to {@code ±scale}.
 */
public final class SignEfCodec extends AbstractCodec<SignEfParams> {

    private static final long serialVersionUID = 1L;

    public SignEfCodec(SignEfParams params) {
        super(params);
    }

    /** EF-SignSGD with {@link SignEfParams#defaults()}. */
    public SignEfCodec() {
        this(SignEfParams.defaults());
    }

    @Override
    public CodecId id() {
        return CodecId.SIGN_EF;
    }

    @Override
    public GradientEncoder newEncoder(long seed) {
        return new Encoder(this, seed);
    }

    private int buckets(int n) {
        int b = params().bucketSize();
        return n / b + (n % b == 0 ? 0 : 1);
    }

    private int payloadBytes(int n) {
        return 4 * buckets(n) + (int) ((n + 63L) >>> 6 << 3);
    }

    @Override
    protected void validatePayload(Frame f) {
        int expected = payloadBytes(f.elementCount());
        if (f.payloadLength() != expected) {
            throw new CorruptMessageException(WRONG_LENGTH, "payload length " + f.payloadLength()
                    + " does not fit " + f.elementCount() + " sign bits and scales (expected " + expected + ")");
        }
        LevelFormat.checkScales(f, buckets(f.elementCount()));
    }

    @Override
    protected void decodePayload(Frame f, float[] out, boolean add) {
        int n = f.elementCount();
        int bucket = params().bucketSize();
        byte[] m = f.bytes();
        int scaleAt = f.payloadOffset();
        int wordAt = scaleAt + 4 * buckets(n);
        for (int off = 0; off < n; off += bucket, scaleAt += 4) {
            int end = Math.min(n, off + bucket);
            int scaleBits = Float.floatToRawIntBits(LittleEndian.getFloat(m, scaleAt));
            for (int i = off; i < end; i += 64, wordAt += 8) {
                long w = LittleEndian.getLong(m, wordAt);
                int count = Math.min(64, end - i);
                for (int k = 0; k < count; k++) {
                    float v = Float.intBitsToFloat(scaleBits | ((int) (w >>> k) & 1) << 31);
                    out[i + k] = add ? out[i + k] + v : v;
                }
            }
        }
    }

    private static final class Encoder extends AbstractEncoder {
        private final int bucket;
        private float[] e;

        Encoder(SignEfCodec codec, long seed) {
            super(codec, seed);
            this.bucket = codec.params().bucketSize();
        }

        @Override
        protected void allocate(int n) {
            e = new float[n];
        }

        @Override
        protected EncodedGradient encode(float[] g, int key) {
            SignEfCodec codec = (SignEfCodec) codec();
            int n = g.length;
            byte[] m = WireFormat.allocate(CodecId.SIGN_EF, codec.params(), n, codec.payloadBytes(n));
            int scaleAt = WireFormat.payloadOffset(codec.params());
            int wordAt = scaleAt + 4 * codec.buckets(n);
            float[] e = this.e;
            for (int off = 0; off < n; off += bucket, scaleAt += 4) {
                int end = Math.min(n, off + bucket);
                for (int i = off; i < end; i++) {
                    e[i] += g[i];
                }
                float scale = BucketNorms.l1(e, off, end - off) / (end - off);
                requireFinite(scale, off, end - off);
                LittleEndian.putFloat(m, scaleAt, scale);
                int scaleBits = Float.floatToRawIntBits(scale);
                for (int i = off; i < end; i += 64, wordAt += 8) {
                    int count = Math.min(64, end - i);
                    long w = 0;
                    for (int k = 0; k < count; k++) {
                        int sign = Float.floatToRawIntBits(e[i + k]) >>> 31;
                        w |= (long) sign << k;
                        e[i + k] -= Float.intBitsToFloat(scaleBits | sign << 31);
                    }
                    LittleEndian.putLong(m, wordAt, w);
                }
            }
            return WireFormat.seal(m);
        }

        @Override
        protected void restoreResidual(float[] saved) {
            System.arraycopy(saved, 0, e, 0, saved.length);
        }

        @Override
        public float[] residual() {
            return e == null ? new float[0] : e.clone();
        }
    }
}
