package org.pocketflow.qsgd.codec;

import static org.pocketflow.qsgd.CorruptMessageException.Reason.BAD_PARAMETERS;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import org.pocketflow.qsgd.CorruptMessageException;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.wire.Frame;
import org.pocketflow.qsgd.wire.WireFormat;

/** Every codec this build knows, by wire id: rebuilds the sender's codec from a message header. */
public final class CodecCatalog {

    private CodecCatalog() {
    }

    /**
     * The codec (with the sender's parameters) that decodes {@code message}; for receivers that
     * accept any codec.
     *
     * @throws CorruptMessageException if the header, length, checksum or parameters are bad
     */
    public static GradientCodec forMessage(EncodedGradient message) {
        return codecFor(WireFormat.open(message));
    }

    static GradientCodec codecFor(Frame f) {
        ByteBuffer b = f.params();
        GradientCodec codec;
        try {
            codec = switch (f.codecId()) {
                case IDENTITY -> new IdentityCodec(IdentityParams.readFrom(b));
                case QSGD -> new QsgdCodec(QsgdParams.readFrom(b));
                case ECQ -> new EcqCodec(EcqParams.readFrom(b));
                case TERNGRAD -> new TernGradCodec(TernGradParams.readFrom(b));
                case SIGN_EF -> new SignEfCodec(SignEfParams.readFrom(b));
                case THRESHOLD -> new ThresholdCodec(ThresholdParams.readFrom(b));
            };
        } catch (BufferUnderflowException e) {
            throw new CorruptMessageException(BAD_PARAMETERS, "the " + f.paramsLength()
                    + "-byte parameter block is too short for the " + f.codecId() + " codec");
        } catch (IllegalArgumentException e) {
            throw new CorruptMessageException(BAD_PARAMETERS, e.getMessage());
        }
        if (b.hasRemaining()) {
            throw new CorruptMessageException(BAD_PARAMETERS, "the " + f.paramsLength()
                    + "-byte parameter block is longer than the " + f.codecId() + " codec's "
                    + codec.params().wireSize() + " bytes");
        }
        return codec;
    }
}
