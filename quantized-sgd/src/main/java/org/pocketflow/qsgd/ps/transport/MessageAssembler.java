package org.pocketflow.qsgd.ps.transport;

import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/**
 * Rebuilds whole messages from Aeron fragments, copying each fragment once, straight into the
 * message's array. One partial message per Aeron session (one per sending publication): Aeron
 * delivers a session's fragments reliably and in order, so a gap or an overlap can only mean a
 * malformed or hostile sender, and that message is dropped and counted.
 *
 * <p>Used by one polling thread; not thread-safe.
 */
final class MessageAssembler implements FragmentHandler {
    private static final Logger LOG = LoggerFactory.getLogger(MessageAssembler.class);

    private final int maxMessageBytes;
    private final Map<Integer, Partial> partials = new HashMap<>();
    private MessageHandler handler;
    private long malformed;

    MessageAssembler(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    void handler(MessageHandler handler) {
        this.handler = handler;
    }

    long malformed() {
        return malformed;
    }

    @Override
    public void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        int session = header.sessionId();
        Partial p = partials.get(session);
        int at = offset;
        int len = length;
        if ((header.flags() & FrameDescriptor.BEGIN_FRAG_FLAG) != 0) {
            p = beginChunk(session, p, buffer, offset, length);
            if (p == null) {
                return;
            }
            at += ChunkHeader.BYTES;
            len -= ChunkHeader.BYTES;
        } else if (p == null || p.skipping) {
            return; // the rest of a chunk already dropped
        }
        if (p.filled + len > p.bytes.length) {
            drop(session, p, "chunk runs past the announced length " + p.bytes.length);
            return;
        }
        buffer.getBytes(at, p.bytes, p.filled, len);
        p.filled += len;
        if ((header.flags() & FrameDescriptor.END_FRAG_FLAG) != 0 && p.filled == p.bytes.length) {
            partials.remove(session);
            handler.onMessage(p.bytes);
        }
    }

    private Partial beginChunk(int session, Partial p, DirectBuffer buffer, int offset, int length) {
        if (length < ChunkHeader.BYTES || ChunkHeader.magic(buffer, offset) != ChunkHeader.MAGIC) {
            return drop(session, p, "chunk without a PFCH header");
        }
        int total = ChunkHeader.messageLength(buffer, offset);
        int chunkOffset = ChunkHeader.chunkOffset(buffer, offset);
        int sequence = ChunkHeader.sequence(buffer, offset);
        if (total < 0 || total > maxMessageBytes) {
            return drop(session, p, "message length " + total + " outside [0, " + maxMessageBytes + "]");
        }
        if (chunkOffset == 0) {
            if (p != null && !p.skipping) {
                drop(session, p, "message " + p.sequence + " ended after " + p.filled + " of " + p.bytes.length + " bytes");
            }
            Partial fresh = new Partial(new byte[total], sequence);
            partials.put(session, fresh);
            if (total == 0 && length == ChunkHeader.BYTES) {
                partials.remove(session);
                handler.onMessage(fresh.bytes);
                return null;
            }
            return fresh;
        }
        if (p == null || p.skipping || p.sequence != sequence || p.filled != chunkOffset || p.bytes.length != total) {
            return drop(session, p, "chunk at " + chunkOffset + " of message " + sequence + " does not continue what arrived");
        }
        return p;
    }

    private Partial drop(int session, Partial p, String why) {
        malformed++;
        LOG.warn("dropping a malformed message from Aeron session {}: {}", session, why);
        Partial skip = new Partial(new byte[0], p == null ? -1 : p.sequence);
        skip.skipping = true;
        partials.put(session, skip);
        return null;
    }

    private static final class Partial {
        final byte[] bytes;
        final int sequence;
        int filled;
        boolean skipping;

        Partial(byte[] bytes, int sequence) {
            this.bytes = bytes;
            this.sequence = sequence;
        }
    }
}
