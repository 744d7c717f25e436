package org.pocketflow.qsgd.ps.transport;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The 16 bytes in front of every chunk: magic {@code PFCH}, the whole message's length, this
 * chunk's offset in it, and the sender's message sequence number. A message longer than one
 * Aeron message (an eighth of a term) travels as consecutive chunks on one publication; Aeron
 * keeps them in order per session, so the receiver only checks that they are contiguous.
 */
final class ChunkHeader {
    static final int BYTES = 16;
    static final int MAGIC = 0x48434650; // "PFCH" little-endian

    private ChunkHeader() {
    }

    static void write(MutableDirectBuffer buf, int messageLength, int chunkOffset, int sequence) {
        buf.putInt(0, MAGIC, ByteOrder.LITTLE_ENDIAN);
        buf.putInt(4, messageLength, ByteOrder.LITTLE_ENDIAN);
        buf.putInt(8, chunkOffset, ByteOrder.LITTLE_ENDIAN);
        buf.putInt(12, sequence, ByteOrder.LITTLE_ENDIAN);
    }

    static int magic(DirectBuffer buf, int offset) {
        return buf.getInt(offset, ByteOrder.LITTLE_ENDIAN);
    }

    static int messageLength(DirectBuffer buf, int offset) {
        return buf.getInt(offset + 4, ByteOrder.LITTLE_ENDIAN);
    }

    static int chunkOffset(DirectBuffer buf, int offset) {
        return buf.getInt(offset + 8, ByteOrder.LITTLE_ENDIAN);
    }

    static int sequence(DirectBuffer buf, int offset) {
        return buf.getInt(offset + 12, ByteOrder.LITTLE_ENDIAN);
    }
}
