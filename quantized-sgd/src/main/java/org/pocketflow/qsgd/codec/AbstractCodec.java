package org.pocketflow.qsgd.codec;

import static org.pocketflow.qsgd.CorruptMessageException.Reason.CODEC_MISMATCH;

import java.util.Objects;
import org.pocketflow.qsgd.CodecParams;
import org.pocketflow.qsgd.CorruptMessageException;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.wire.Frame;
import org.pocketflow.qsgd.wire.WireFormat;

/**
 * The decode pipeline every codec shares: open the frame (header, length, checksum), check that
 * the message names this codec with these parameters, check the target length, let the codec
 * validate its payload, and only then let it write. Subclasses supply the two payload hooks and
 * {@link #newEncoder(long)}.
 *
 * <p>Holds only the immutable parameter record; equality is by class and parameters.
 *
 * @param <P> the parameter record
 */
public abstract class AbstractCodec<P extends CodecParams> implements GradientCodec {

    private static final long serialVersionUID = 1L;

    private final P params;

    protected AbstractCodec(P params) {
        this.params = Objects.requireNonNull(params, "params");
    }

    @Override
    public final P params() {
        return params;
    }

    @Override
    public final void decode(EncodedGradient message, float[] out) {
        Frame f = admit(message, out);
        decodePayload(f, out, false);
    }

    @Override
    public final void decodeAdd(EncodedGradient message, float[] accumulator) {
        Frame f = admit(message, accumulator);
        decodePayload(f, accumulator, true);
    }

    /**
     * Checks that the payload parses, writing nothing.
     *
     * @throws CorruptMessageException with reason {@code WRONG_LENGTH} or {@code BAD_PAYLOAD}
     */
    protected abstract void validatePayload(Frame frame);

    /**
     * Decodes a payload that {@link #validatePayload} accepted into {@code target} (overwriting,
     * or adding when {@code add}). Must not fail.
     */
    protected abstract void decodePayload(Frame frame, float[] target, boolean add);

    private Frame admit(EncodedGradient message, float[] target) {
        Objects.requireNonNull(target, "target");
        Frame f = WireFormat.open(Objects.requireNonNull(message, "message"));
        if (f.codecId() != id()) {
            throw new CorruptMessageException(CODEC_MISMATCH, "the message was encoded by the "
                    + f.codecId() + " codec, but this is the " + id()
                    + " codec; decode it with CodecCatalog.forMessage(message), or configure matching codecs");
        }
        CodecParams theirs = CodecCatalog.codecFor(f).params();
        if (!theirs.equals(params)) {
            throw new CorruptMessageException(CODEC_MISMATCH, "the message was encoded by the " + id() + " codec with "
                    + theirs + ", but this codec has " + params + "; give sender and receiver the same parameters");
        }
        if (target.length != f.elementCount()) {
            throw new IllegalArgumentException("the message holds " + f.elementCount()
                    + " elements, but the target array has " + target.length);
        }
        validatePayload(f);
        return f;
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((AbstractCodec<?>) o).params.equals(params);
    }

    @Override
    public int hashCode() {
        return getClass().hashCode() * 31 + params.hashCode();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + params + "]";
    }
}
