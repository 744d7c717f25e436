package org.pocketflow.qsgd.ps.wire;

import java.util.Arrays;

/**
 * One message between a worker and the parameter server, before encoding or after a successful
 * check: immutable (the payload is copied in and out).
 *
 * @param type what the payload is
 * @param sender the worker id, or {@link #SERVER} for the server
 * @param step the parameter version the message refers to (see {@link MessageType})
 * @param last set by the server on the final parameters: training is over
 * @param payload the body
 */
public record PsMessage(MessageType type, int sender, long step, boolean last, byte[] payload) {

    /** The sender id the server writes. */
    public static final int SERVER = -1;

    public PsMessage {
        if (type == null) {
            throw new IllegalArgumentException("message type must not be null");
        }
        if (step < 0) {
            throw new IllegalArgumentException("message step must be >= 0, but got " + step);
        }
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** The payload without a copy, for the codec in this package. */
    byte[] payloadShared() {
        return payload;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PsMessage m && m.type == type && m.sender == sender && m.step == step && m.last == last
                && Arrays.equals(m.payload, payload);
    }

    @Override
    public int hashCode() {
        return (type.hashCode() * 31 + sender) * 31 + Long.hashCode(step) + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return type + "(sender " + sender + ", step " + step + (last ? ", last" : "") + ", " + payload.length + " bytes)";
    }
}
