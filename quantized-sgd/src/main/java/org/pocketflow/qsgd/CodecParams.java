package org.pocketflow.qsgd;

import java.io.Serializable;
import java.nio.ByteBuffer;

/**
 * A codec's parameters, as a record, together with their fixed little-endian layout in the
 * message header. Each implementation also has a static {@code readFrom(ByteBuffer)} that
 * validates what it reads, and {@code defaults()}.
 */
public interface CodecParams extends Serializable {

    /** Bytes that {@link #writeTo(ByteBuffer)} writes. */
    int wireSize();

    /** Writes the parameters at the buffer's position (little-endian). */
    void writeTo(ByteBuffer out);
}
