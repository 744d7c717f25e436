package org.pocketflow.qsgd.codec;

import static org.pocketflow.qsgd.CorruptMessageException.Reason.WRONG_LENGTH;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.pocketflow.qsgd.CodecId;
import org.pocketflow.qsgd.CorruptMessageException;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.kernel.LittleEndian;
import org.pocketflow.qsgd.wire.Frame;
import org.pocketflow.qsgd.wire.WireFormat;

/**
 * Uncompressed fp32, the reference every other codec is compared with: a round trip is exact.
 * Payload: n float32 values, little-endian. Keeps no residual; deterministic (the seed is unused).
 */
public final class IdentityCodec extends AbstractCodec<IdentityParams> {

    private static final long serialVersionUID = 1L;
    private static final int MAX_ELEMENTS = (Integer.MAX_VALUE - 64) / 4;

    public IdentityCodec(IdentityParams params) {
        super(params);
    }

    public IdentityCodec() {
        this(new IdentityParams());
    }

    @Override
    public CodecId id() {
        return CodecId.IDENTITY;
    }

    @Override
    public GradientEncoder newEncoder(long seed) {
        return new AbstractEncoder(this, seed) {
            @Override
            protected void allocate(int n) {
                if (n > MAX_ELEMENTS) {
                    throw new IllegalArgumentException("identity messages hold at most " + MAX_ELEMENTS
                            + " elements, but got " + n + "; split the gradient");
                }
            }

            @Override
            protected EncodedGradient encode(float[] g, int key) {
                byte[] m = WireFormat.allocate(CodecId.IDENTITY, params(), g.length, 4 * g.length);
                ByteBuffer.wrap(m, WireFormat.payloadOffset(params()), 4 * g.length)
                        .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(g);
                return WireFormat.seal(m);
            }
        };
    }

    @Override
    protected void validatePayload(Frame f) {
        if (f.payloadLength() != 4L * f.elementCount()) {
            throw new CorruptMessageException(WRONG_LENGTH, "payload length " + f.payloadLength()
                    + " does not hold " + f.elementCount() + " float32 values (expected " + 4L * f.elementCount() + ")");
        }
    }

    @Override
    protected void decodePayload(Frame f, float[] target, boolean add) {
        byte[] m = f.bytes();
        int at = f.payloadOffset();
        if (!add) {
            ByteBuffer.wrap(m, at, f.payloadLength()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(target);
            return;
        }
        for (int i = 0; i < target.length; i++, at += 4) {
            target[i] += LittleEndian.getFloat(m, at);
        }
    }
}
