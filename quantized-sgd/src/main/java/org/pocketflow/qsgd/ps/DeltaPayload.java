package org.pocketflow.qsgd.ps;

import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.kernel.LittleEndian;
import org.pocketflow.qsgd.ps.wire.MessageType;

/**
 * Payload of {@link MessageType#PARAMS_DELTA}: int64 little-endian sequence number, then the
 * {@code EncodedGradient} bytes (which carry their own codec, parameters and checksum).
 */
final class DeltaPayload {
    private DeltaPayload() {
    }

    static byte[] encode(long sequence, EncodedGradient m) {
        byte[] g = m.bytes();
        byte[] out = new byte[8 + g.length];
        LittleEndian.putLong(out, 0, sequence);
        System.arraycopy(g, 0, out, 8, g.length);
        return out;
    }

    static long sequence(byte[] payload) {
        requireHeader(payload);
        return LittleEndian.getLong(payload, 0);
    }

    static EncodedGradient message(byte[] payload) {
        requireHeader(payload);
        return new EncodedGradient(java.util.Arrays.copyOfRange(payload, 8, payload.length));
    }

    private static void requireHeader(byte[] payload) {
        if (payload.length < 8) {
            throw new IllegalArgumentException("parameter update of " + payload.length + " bytes has no sequence number");
        }
    }
}
