package org.pocketflow.qsgd.wire;

import static org.pocketflow.qsgd.CorruptMessageException.Reason.BAD_CHECKSUM;
import static org.pocketflow.qsgd.CorruptMessageException.Reason.BAD_MAGIC;
import static org.pocketflow.qsgd.CorruptMessageException.Reason.TRUNCATED;
import static org.pocketflow.qsgd.CorruptMessageException.Reason.UNSUPPORTED_VERSION;
import static org.pocketflow.qsgd.CorruptMessageException.Reason.WRONG_LENGTH;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import org.pocketflow.qsgd.CodecId;
import org.pocketflow.qsgd.CodecParams;
import org.pocketflow.qsgd.CorruptMessageException;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.kernel.LittleEndian;

/**
 * Version 2 of the gradient message format. All integers little-endian.
 *
 * <pre>
 * offset      size  field
 * 0           4     magic, the ASCII bytes "PFQG"
 * 4           1     format version = 2 (1 is still read)
 * 5           1     codec id ({@link CodecId#wire()})
 * 6           2     P = length of the codec parameters (unsigned)
 * 8           4     n = element count of the gradient (&gt;= 0)
 * 12          4     L = payload length in bytes (&gt;= 0)
 * 16          P     codec parameters (layout: the codec's parameter record)
 * 16+P        L     payload (layout: the codec's javadoc)
 * 16+P+L      4     CRC32C of bytes [0, 16+P+L)
 * </pre>
 *
 * The fixed fields come first so that a reader can check every length before it trusts one;
 * the checksum comes last so that a writer can stream the payload. Golden files under
 * {@code quantized-sgd/src/test/resources/golden/} freeze this version: any change to a layout
 * needs a new version number, and readers keep reading the older ones.
 *
 * <p>Versions: 1, the first; 2 changed only the run-length level coding (a bitmap mode for dense
 * ternary buckets, no magnitude bits when s = 1; {@code kernel.RunLengthCoding}). Every other
 * layout is the same in both, and {@link Frame#version()} tells a codec which one it reads.
 */
public final class WireFormat {

    /** "PFQG" read as a little-endian int. */
    public static final int MAGIC = 'P' | 'F' << 8 | 'Q' << 16 | 'G' << 24;
    public static final int VERSION = 2;
    /** The oldest version this build still reads. */
    public static final int OLDEST_READABLE = 1;
    public static final int HEADER_BYTES = 16;
    public static final int CHECKSUM_BYTES = 4;

    private WireFormat() {
    }

    /** Offset of the payload in a message written with these parameters. */
    public static int payloadOffset(CodecParams params) {
        return HEADER_BYTES + params.wireSize();
    }

    /**
     * A new message array with the header and parameters written; the caller writes exactly
     * {@code payloadLength} bytes at {@link #payloadOffset(CodecParams)} and then calls {@link #seal}.
     */
    public static byte[] allocate(CodecId id, CodecParams params, int elementCount, int payloadLength) {
        int p = params.wireSize();
        long total = (long) HEADER_BYTES + p + payloadLength + CHECKSUM_BYTES;
        if (p > 0xFFFF || elementCount < 0 || payloadLength < 0 || total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("message too large: parameters " + p
                    + " bytes, payload " + payloadLength + " bytes, " + elementCount
                    + " elements; split the gradient into parts of at most ~2 GB each");
        }
        byte[] m = new byte[(int) total];
        LittleEndian.putInt(m, 0, MAGIC);
        m[4] = (byte) VERSION;
        m[5] = (byte) id.wire();
        m[6] = (byte) p;
        m[7] = (byte) (p >>> 8);
        LittleEndian.putInt(m, 8, elementCount);
        LittleEndian.putInt(m, 12, payloadLength);
        ByteBuffer pb = ByteBuffer.wrap(m, HEADER_BYTES, p).slice().order(ByteOrder.LITTLE_ENDIAN);
        params.writeTo(pb);
        if (pb.position() != p) {
            throw new IllegalStateException(params + " wrote " + pb.position() + " bytes but declared " + p);
        }
        return m;
    }

    /** Writes the checksum over everything before it and wraps the array as a message. */
    public static EncodedGradient seal(byte[] message) {
        int end = message.length - CHECKSUM_BYTES;
        LittleEndian.putInt(message, end, crc(message, end));
        return new EncodedGradient(message);
    }

    /**
     * Validates the header, the length and the checksum of a message, in that order, so that the
     * exception names the first thing wrong.
     *
     * @throws CorruptMessageException on a short or long message, wrong magic, unknown version or
     *     codec id, or a checksum mismatch
     */
    public static Frame open(EncodedGradient message) {
        byte[] m = message.bytes();
        int min = HEADER_BYTES + CHECKSUM_BYTES;
        if (m.length < min) {
            throw new CorruptMessageException(TRUNCATED, "message has " + m.length
                    + " bytes, but the smallest valid message has " + min
                    + " (16-byte header, 4-byte CRC32C)");
        }
        int magic = LittleEndian.getInt(m, 0);
        if (magic != MAGIC) {
            throw new CorruptMessageException(BAD_MAGIC, String.format(
                    "magic is 0x%08x, expected 0x%08x (\"PFQG\"): not a PocketFlow gradient message", magic, MAGIC));
        }
        int version = m[4] & 0xFF;
        if (version < OLDEST_READABLE || version > VERSION) {
            throw new CorruptMessageException(UNSUPPORTED_VERSION, "format version " + version + ", but this build reads"
                    + " versions " + OLDEST_READABLE + " to " + VERSION + "; upgrade the reader or the writer so both match");
        }
        CodecId id = CodecId.fromWire(m[5] & 0xFF);
        int p = (m[6] & 0xFF) | (m[7] & 0xFF) << 8;
        int n = LittleEndian.getInt(m, 8);
        int payload = LittleEndian.getInt(m, 12);
        if (n < 0 || payload < 0) {
            throw new CorruptMessageException(WRONG_LENGTH, "negative field: element count "
                    + n + ", payload length " + payload);
        }
        long expected = (long) HEADER_BYTES + p + payload + CHECKSUM_BYTES;
        if (m.length < expected) {
            throw new CorruptMessageException(TRUNCATED, "header announces " + expected
                    + " bytes (parameters " + p + ", payload " + payload + "), but the message has only " + m.length);
        }
        if (m.length > expected) {
            throw new CorruptMessageException(WRONG_LENGTH, "header announces " + expected
                    + " bytes (parameters " + p + ", payload " + payload + "), but the message has " + m.length
                    + "; trailing bytes or a wrong length field");
        }
        int end = m.length - CHECKSUM_BYTES;
        int stored = LittleEndian.getInt(m, end);
        int computed = crc(m, end);
        if (stored != computed) {
            throw new CorruptMessageException(BAD_CHECKSUM, String.format(
                    "CRC32C stored 0x%08x, computed 0x%08x: the message was altered in transit", stored, computed));
        }
        return new Frame(m, version, id, HEADER_BYTES, p, n, HEADER_BYTES + p, payload);
    }

    private static int crc(byte[] m, int len) {
        CRC32C c = new CRC32C();
        c.update(m, 0, len);
        return (int) c.getValue();
    }
}
