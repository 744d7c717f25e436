package org.pocketflow.qsgd;

import java.util.Arrays;
import java.util.Objects;

/**
 * One compressed gradient as it crosses the wire: the complete message bytes (header, payload,
 * CRC32C; layout in {@link org.pocketflow.qsgd.wire.WireFormat}).
 *
 * <p><b>Ownership.</b> The array is handed over at construction and belongs to the message from
 * then on: neither the producer nor any reader may modify it. It is not copied, because messages
 * are large and travel through several hands; a decoder re-checks the checksum anyway, so a
 * modified array is rejected, never silently decoded.
 *
 * <p>Equality is by content. Construction does not validate; decoding does (use {@link
 * org.pocketflow.qsgd.wire.WireFormat#open(EncodedGradient)} to inspect a header).
 */
public record EncodedGradient(byte[] bytes) {

    public EncodedGradient {
        Objects.requireNonNull(bytes, "bytes");
    }

    /** The message size on the wire, in bytes. */
    public int sizeBytes() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncodedGradient other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "EncodedGradient[" + bytes.length + " bytes]";
    }
}
