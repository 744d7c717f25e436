package org.pocketflow.qsgd.ps.wire;

/** What a {@link PsMessage} carries; the byte is its code on the wire. */
public enum MessageType {
    /** Worker → server: "I am worker {@code sender}, send parameters to the address in the payload (UTF-8 host:port)". */
    HELLO(1),
    /** Worker → server: an {@code EncodedGradient} computed on the parameters of version {@code step}. */
    GRADIENT(2),
    /** Server → worker: the parameters of version {@code step}, fp32 little-endian. */
    PARAMS(3),
    /**
     * Server → worker: the parameters of version {@code step} as a codec-encoded update to the
     * worker's copy: int64 little-endian sequence number (1 after each full {@link #PARAMS}, then
     * 2, 3, …), then the {@code EncodedGradient} bytes (see {@code org.pocketflow.qsgd.ps.Downlink}).
     */
    PARAMS_DELTA(4),
    /**
     * Both ways, a gradient encoder's state for exact resume ({@code org.pocketflow.qsgd.ps.EncoderStatePayload}:
     * int64 little-endian message count, then the residual, fp32 little-endian). Server → worker,
     * empty: "send your encoder's state after encoding your gradient for version {@code step}" (a
     * checkpoint follows that step); not empty: "restore this state before encoding on version
     * {@code step}" (the server resumed from its checkpoint there). Worker → server: the state
     * asked for, sent before the gradient for version {@code step}.
     */
    STATE(5);

    private final int code;

    MessageType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type with this code, or null for an unknown one. */
    static MessageType of(int code) {
        for (MessageType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
