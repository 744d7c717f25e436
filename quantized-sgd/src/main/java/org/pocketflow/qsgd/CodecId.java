package org.pocketflow.qsgd;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The codec ids of wire format version 1. An id is frozen once released: never renumber, only
 * append (the golden files under {@code src/test/resources/golden} check this).
 */
public enum CodecId {
    IDENTITY(0),
    QSGD(1),
    ECQ(2),
    TERNGRAD(3),
    SIGN_EF(4),
    THRESHOLD(5);

    private static final CodecId[] BY_WIRE = new CodecId[256];

    static {
        for (CodecId id : values()) {
            BY_WIRE[id.wire] = id;
        }
    }

    private final int wire;

    CodecId(int wire) {
        this.wire = wire;
    }

    /** The byte written into the header. */
    public int wire() {
        return wire;
    }

    /**
     * The id for a header byte.
     *
     * @throws CorruptMessageException naming the known ids if the byte names none
     */
    public static CodecId fromWire(int wire) {
        CodecId id = (wire >= 0 && wire < BY_WIRE.length) ? BY_WIRE[wire] : null;
        if (id == null) {
            throw new CorruptMessageException(CorruptMessageException.Reason.UNKNOWN_CODEC,
                    "unknown codec id " + wire + "; this build knows "
                            + Arrays.stream(values()).map(c -> c.wire + "=" + c.name())
                                    .collect(Collectors.joining(", "))
                            + ". Was the message written by a newer build?");
        }
        return id;
    }
}
