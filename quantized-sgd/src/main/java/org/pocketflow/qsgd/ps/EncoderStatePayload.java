package org.pocketflow.qsgd.ps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.pocketflow.qsgd.EncoderState;

/**
 * An {@link EncoderState} on the wire ({@code MessageType.STATE}): int64 little-endian message
 * count, then the residual, fp32 little-endian. The empty payload is the server's request for it.
 */
final class EncoderStatePayload {
    private EncoderStatePayload() {
    }

    static byte[] encode(EncoderState state) {
        float[] h = state.residual();
        ByteBuffer b = ByteBuffer.allocate(8 + 4 * h.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(state.messagesEncoded());
        b.asFloatBuffer().put(h);
        return b.array();
    }

    /**
     * @throws IllegalArgumentException if the payload is not a count and whole floats
     */
    static EncoderState decode(byte[] payload) {
        if (payload.length < 8 || payload.length % 4 != 0) {
            throw new IllegalArgumentException("encoder state of " + payload.length + " bytes is not a count and whole floats");
        }
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        long messages = b.getLong();
        if (messages < 0) {
            throw new IllegalArgumentException("encoder state counts " + messages + " messages");
        }
        float[] h = new float[(payload.length - 8) / 4];
        b.asFloatBuffer().get(h);
        return new EncoderState(messages, h);
    }
}
