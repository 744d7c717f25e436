package org.pocketflow.qsgd.codec;

import static org.pocketflow.qsgd.CorruptMessageException.Reason.BAD_PAYLOAD;
import static org.pocketflow.qsgd.CorruptMessageException.Reason.WRONG_LENGTH;

import java.util.Arrays;
import org.pocketflow.qsgd.CodecId;
import org.pocketflow.qsgd.CorruptMessageException;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.codec.ThresholdParams.Selection;
import org.pocketflow.qsgd.kernel.BitReader;
import org.pocketflow.qsgd.kernel.BitWriter;
import org.pocketflow.qsgd.kernel.CounterRng;
import org.pocketflow.qsgd.kernel.LittleEndian;
import org.pocketflow.qsgd.kernel.RunLengthCoding;
import org.pocketflow.qsgd.wire.Frame;
import org.pocketflow.qsgd.wire.WireFormat;

/**
 * Sparsification with a residual. With residual {@code r}, each step computes {@code p = r + g},
 * sends the selected elements of {@code p} and keeps the rest (and the rounding of what was sent)
 * in {@code r}. Two selection rules ({@link ThresholdParams.Selection}):
 * <ul>
 *   <li>Strom, "Scalable Distributed DNN Training Using Commodity GPU Cloud Computing",
 *       Interspeech 2015: {@code |p_i| >= τ} is sent as {@code ±τ}, {@code r_i = p_i ∓ τ}
 *       (what ND4J's {@code thresholdEncode} does). The residual can grow without bound when an
 *       element's gradient keeps exceeding τ in one direction (it drains by only τ per step).</li>
 *   <li>Lin, Han, Mao, Wang, Dally, "Deep Gradient Compression", ICLR 2018 (gradient
 *       sparsification with local accumulation, sampled top-k threshold): about the fraction ρ of
 *       largest {@code |p_i|} is sent exactly, {@code r_i = 0} for those. The threshold is the
 *       (1 - ρ) quantile of 8,192 sampled {@code |p_i|} (all of them for smaller gradients, which
 *       makes it an exact top-k up to ties).</li>
 * </ul>
 * Deterministic apart from the DGC sample, which the seed drives.
 *
 * <p>Payload: float32 τ used; int32 count m; int32 Rice parameter k; for TOP_DENSITY, float32
 * value[m]; then little-endian 64-bit words of a bit stream with, for each sent element in index
 * order, Rice(k) of its gap (index - previous index - 1, previous starting at -1) and, for
 * FIXED_THRESHOLD, its sign bit (1 = negative). Positions cost about {@code k + 2} bits each
 * instead of ND4J's 32.
 */
public final class ThresholdCodec extends AbstractCodec<ThresholdParams> {

    private static final long serialVersionUID = 1L;
    private static final int SAMPLE = 8192;
    private static final int FIXED_FIELDS = 12;

    public ThresholdCodec(ThresholdParams params) {
        super(params);
    }

    /** DGC with {@link ThresholdParams#defaults()}. */
    public ThresholdCodec() {
        this(ThresholdParams.defaults());
    }

    @Override
    public CodecId id() {
        return CodecId.THRESHOLD;
    }

    @Override
    public GradientEncoder newEncoder(long seed) {
        return new Encoder(this, seed);
    }

    private boolean exact() {
        return params().selection() == Selection.TOP_DENSITY;
    }

    @Override
    protected void validatePayload(Frame f) {
        if (f.payloadLength() < FIXED_FIELDS) {
            throw new CorruptMessageException(WRONG_LENGTH, "payload length " + f.payloadLength()
                    + " is shorter than the " + FIXED_FIELDS + " bytes of τ, count and Rice parameter");
        }
        byte[] m = f.bytes();
        int at = f.payloadOffset();
        float tau = LittleEndian.getFloat(m, at);
        int count = LittleEndian.getInt(m, at + 4);
        int k = LittleEndian.getInt(m, at + 8);
        if (!(tau >= 0 && tau <= Float.POSITIVE_INFINITY) || count < 0 || count > f.elementCount() || k < 0 || k > 30) {
            throw new CorruptMessageException(BAD_PAYLOAD, "τ " + tau + ", count " + count + ", Rice parameter " + k
                    + ": need τ >= 0, 0 <= count <= " + f.elementCount() + ", 0 <= k <= 30");
        }
        long valuesEnd = FIXED_FIELDS + (exact() ? 4L * count : 0);
        if (f.payloadLength() < valuesEnd || (f.payloadLength() - valuesEnd) % 8 != 0) {
            throw new CorruptMessageException(WRONG_LENGTH, "payload length " + f.payloadLength()
                    + " does not fit " + count + " elements");
        }
        for (int c = 0; exact() && c < count; c++) {
            float v = LittleEndian.getFloat(m, at + FIXED_FIELDS + 4 * c);
            if (!Float.isFinite(v)) {
                throw new CorruptMessageException(BAD_PAYLOAD, "value " + c + " is " + v);
            }
        }
        walk(f, null, false);
    }

    @Override
    protected void decodePayload(Frame f, float[] out, boolean add) {
        if (!add) {
            Arrays.fill(out, 0f);
        }
        walk(f, out, add);
    }

    /** Reads every position (and sign); writes values into {@code out} unless it is null. */
    private void walk(Frame f, float[] out, boolean add) {
        byte[] m = f.bytes();
        int at = f.payloadOffset();
        int n = f.elementCount();
        float tau = LittleEndian.getFloat(m, at);
        int count = LittleEndian.getInt(m, at + 4);
        int k = LittleEndian.getInt(m, at + 8);
        int values = at + FIXED_FIELDS;
        int bitsAt = values + (exact() ? 4 * count : 0);
        BitReader in = new BitReader(m, bitsAt, f.payloadEnd() - bitsAt);
        int prev = -1;
        for (int c = 0; c < count; c++) {
            int room = n - prev - 2;
            if (room < 0) {
                throw new CorruptMessageException(BAD_PAYLOAD, "element " + c + " of " + count + " lies beyond " + n);
            }
            int i = prev + 1 + in.readRice(k, room);
            float v = exact() ? LittleEndian.getFloat(m, values + 4 * c) : (in.read(1) != 0 ? -tau : tau);
            if (out != null) {
                out[i] = add ? out[i] + v : v;
            }
            prev = i;
        }
        if (!in.exhausted()) {
            throw new CorruptMessageException(BAD_PAYLOAD, "bit stream has words left after the last element");
        }
    }

    private static final class Encoder extends AbstractEncoder {
        private final boolean exact;
        private final float value;
        private final BitWriter bits = new BitWriter();
        private float[] r;
        private int[] selected = new int[1024];
        private float[] sample;

        Encoder(ThresholdCodec codec, long seed) {
            super(codec, seed);
            this.exact = codec.exact();
            this.value = codec.params().value();
        }

        @Override
        protected void allocate(int n) {
            r = new float[n];
            sample = exact ? new float[Math.min(n, SAMPLE)] : null;
        }

        @Override
        protected EncodedGradient encode(float[] g, int key) {
            float[] r = this.r;
            int n = g.length;
            for (int i = 0; i < n; i++) {
                r[i] += g[i];
                if (!Float.isFinite(r[i])) {
                    requireFinite(r[i], i, 1);
                }
            }
            float tau = exact ? threshold(key) : value;
            int count = 0;
            for (int i = 0; i < n; i++) {
                if (Math.abs(r[i]) >= tau) {
                    if (count == selected.length) {
                        selected = Arrays.copyOf(selected, Math.max(1024, Math.min(n, 2 * count)));
                    }
                    selected[count++] = i;
                }
            }
            int k = RunLengthCoding.riceParameter(n - count, count);
            bits.reset();
            for (int c = 0, prev = -1; c < count; prev = selected[c], c++) {
                bits.writeRice(selected[c] - prev - 1, k);
                if (!exact) {
                    int i = selected[c];
                    int sign = Float.floatToRawIntBits(r[i]) >>> 31;
                    bits.write(sign, 1);
                    r[i] -= sign != 0 ? -tau : tau;
                }
            }
            bits.finish();
            ThresholdParams params = (ThresholdParams) codec().params();
            int payload = FIXED_FIELDS + (exact ? 4 * count : 0) + bits.byteCount();
            byte[] m = WireFormat.allocate(CodecId.THRESHOLD, params, n, payload);
            int at = WireFormat.payloadOffset(params);
            LittleEndian.putFloat(m, at, tau);
            LittleEndian.putInt(m, at + 4, count);
            LittleEndian.putInt(m, at + 8, k);
            at += FIXED_FIELDS;
            if (exact) {
                for (int c = 0; c < count; c++, at += 4) {
                    int i = selected[c];
                    LittleEndian.putFloat(m, at, r[i]);
                    r[i] = 0f;
                }
            }
            bits.copyTo(m, at);
            return WireFormat.seal(m);
        }

        /** DGC's sampled threshold: the (1 - ρ) quantile of |p| over a sample. */
        private float threshold(int key) {
            int n = r.length;
            if (n == 0) {
                return Float.POSITIVE_INFINITY;
            }
            float[] s = sample;
            if (s.length == n) {
                for (int i = 0; i < n; i++) {
                    s[i] = Math.abs(r[i]);
                }
            } else {
                for (int j = 0; j < s.length; j++) {
                    long u = CounterRng.bits(key, j) & 0xFFFFFFFFL;
                    s[j] = Math.abs(r[(int) ((u * n) >>> 32)]);
                }
            }
            Arrays.sort(s);
            int keep = (int) Math.ceil((double) value * s.length);
            float tau = s[Math.max(0, s.length - Math.max(1, keep))];
            // a zero quantile means at most about ρ of the elements are nonzero: send all of those
            return tau > 0 ? tau : Float.MIN_VALUE;
        }

        @Override
        protected void restoreResidual(float[] saved) {
            System.arraycopy(saved, 0, r, 0, saved.length);
        }

        @Override
        public float[] residual() {
            return r == null ? new float[0] : r.clone();
        }
    }
}
