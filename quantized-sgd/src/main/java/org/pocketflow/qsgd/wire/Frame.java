package org.pocketflow.qsgd.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.pocketflow.qsgd.CodecId;

/**
 * A message whose header, length and checksum have been validated by {@link
 * WireFormat#open(org.pocketflow.qsgd.EncodedGradient)}: where the parameters and the payload lie
 * in {@code bytes}. The codec named by {@link #codecId()} validates the rest.
 *
 * @param bytes the whole message (not copied; never modify)
 * @param version its format version, one that {@link WireFormat} reads
 * @param codecId the codec that wrote it
 * @param paramsOffset offset of the codec parameters
 * @param paramsLength their length in bytes
 * @param elementCount number of gradient elements
 * @param payloadOffset offset of the payload
 * @param payloadLength payload length in bytes
 */
public record Frame(byte[] bytes, int version, CodecId codecId, int paramsOffset, int paramsLength,
                    int elementCount, int payloadOffset, int payloadLength) {

    /** The parameter bytes as a little-endian buffer positioned at their start. */
    public ByteBuffer params() {
        return ByteBuffer.wrap(bytes, paramsOffset, paramsLength).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Offset just past the payload. */
    public int payloadEnd() {
        return payloadOffset + payloadLength;
    }
}
