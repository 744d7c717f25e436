package org.pocketflow.qsgd.ps.transport;

import io.aeron.Image;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Rebuilds whole messages from Aeron fragments, copying each fragment once into the message's
 * array. One partial message per Aeron session (one per sending publication): Aeron delivers a
 * session's fragments reliably and in order, so a gap or an overlap can only mean a malformed or
 * hostile sender, and that message is dropped and counted.
 *
 * <p><b>Limits</b> ({@link AssemblyLimits}), all checked before an array is allocated or grown:
 * the announced length against the largest message; the array grows with the bytes that arrived,
 * never from the header alone; the bytes held per source host and in all; partial messages that
 * stop progressing are evicted ({@link #evictStale}).
 *
 * <p>Used by one polling thread; not thread-safe.
 */
final class MessageAssembler implements FragmentHandler {
    private static final Logger LOG = LoggerFactory.getLogger(MessageAssembler.class);
    private static final int MIN_CAPACITY = 4096;

    private final AssemblyLimits limits;
    private final LongSupplier clock;
    private final Map<Integer, Partial> partials = new HashMap<>();
    private final Map<String, Long> heldBySource = new HashMap<>();
    private MessageHandler handler;
    private long held;
    private long malformed;
    private long overQuota;
    private long evicted;

    MessageAssembler(AssemblyLimits limits, LongSupplier clock) {
        this.limits = limits;
        this.clock = clock;
    }

    void handler(MessageHandler handler) {
        this.handler = handler;
    }

    long malformed() {
        return malformed;
    }

    long overQuota() {
        return overQuota;
    }

    long evicted() {
        return evicted;
    }

    /** Bytes allocated for unfinished messages. */
    long held() {
        return held;
    }

    @Override
    public void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        int session = header.sessionId();
        Partial p = partials.get(session);
        int at = offset;
        int len = length;
        if ((header.flags() & FrameDescriptor.BEGIN_FRAG_FLAG) != 0) {
            p = beginChunk(session, source(header), p, buffer, offset, length);
            if (p == null) {
                return;
            }
            at += ChunkHeader.BYTES;
            len -= ChunkHeader.BYTES;
        } else if (p == null || p.skipping) {
            return; // the rest of a chunk already dropped
        }
        if ((long) p.filled + len > p.total) {
            drop(session, p, "chunk runs past the announced length " + p.total);
            return;
        }
        if (!reserve(session, p, p.filled + len)) {
            return;
        }
        buffer.getBytes(at, p.bytes, p.filled, len);
        p.filled += len;
        p.touched = clock.getAsLong();
        if ((header.flags() & FrameDescriptor.END_FRAG_FLAG) != 0 && p.filled == p.total) {
            remove(session, p);
            handler.onMessage(p.bytes);
        }
    }

    /**
     * Drops the partial messages that received nothing for {@link AssemblyLimits#staleMillis()}.
     *
     * @return how many were dropped
     */
    int evictStale() {
        if (partials.isEmpty()) {
            return 0;
        }
        long now = clock.getAsLong();
        long limit = limits.staleMillis() * 1_000_000L;
        int n = 0;
        for (Iterator<Map.Entry<Integer, Partial>> it = partials.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Integer, Partial> e = it.next();
            Partial p = e.getValue();
            if (now - p.touched > limit) {
                it.remove();
                release(p);
                if (!p.skipping) {
                    evicted++;
                    n++;
                    LOG.warn("evicting message {} of Aeron session {} from {}: {} of {} bytes, nothing new for {} ms", p.sequence,
                            e.getKey(), p.source, p.filled, p.total, limits.staleMillis());
                }
            }
        }
        return n;
    }

    private Partial beginChunk(int session, String source, Partial p, DirectBuffer buffer, int offset, int length) {
        if (length < ChunkHeader.BYTES || ChunkHeader.magic(buffer, offset) != ChunkHeader.MAGIC) {
            return drop(session, p, "chunk without a PFCH header");
        }
        int total = ChunkHeader.messageLength(buffer, offset);
        int chunkOffset = ChunkHeader.chunkOffset(buffer, offset);
        int sequence = ChunkHeader.sequence(buffer, offset);
        if (total < 0 || total > limits.maxMessageBytes()) {
            return drop(session, p, "message length " + total + " outside [0, " + limits.maxMessageBytes() + "]");
        }
        if (chunkOffset == 0) {
            if (p != null && !p.skipping) {
                drop(session, p, "message " + p.sequence + " ended after " + p.filled + " of " + p.total + " bytes");
            }
            remove(session, partials.get(session));
            Partial fresh = new Partial(source, total, sequence, clock.getAsLong());
            partials.put(session, fresh);
            if (total == 0 && length == ChunkHeader.BYTES) {
                remove(session, fresh);
                handler.onMessage(fresh.bytes);
                return null;
            }
            return fresh;
        }
        if (p == null || p.skipping || p.sequence != sequence || p.filled != chunkOffset || p.total != total) {
            return drop(session, p, "chunk at " + chunkOffset + " of message " + sequence + " does not continue what arrived");
        }
        return p;
    }

    /** Grows {@code p}'s array to hold {@code needed} bytes if the quotas allow; else drops the message. */
    private boolean reserve(int session, Partial p, int needed) {
        if (needed <= p.bytes.length) {
            return true;
        }
        int capacity = (int) Math.min(p.total, Math.max(needed, Math.max(MIN_CAPACITY, 2L * p.bytes.length)));
        long more = capacity - p.bytes.length;
        long fromSource = heldBySource.getOrDefault(p.source, 0L);
        if (fromSource + more > limits.maxBytesPerSource() || held + more > limits.maxBytesHeld()) {
            overQuota++;
            skip(session, p, "message " + p.sequence + " of " + p.total + " bytes would hold " + (fromSource + more) + " bytes from "
                    + p.source + " (limit " + limits.maxBytesPerSource() + ") and " + (held + more) + " in all (limit "
                    + limits.maxBytesHeld() + ")");
            return false;
        }
        p.bytes = Arrays.copyOf(p.bytes, capacity);
        heldBySource.merge(p.source, more, Long::sum);
        held += more;
        return true;
    }

    private void remove(int session, Partial p) {
        if (p != null && partials.get(session) == p) {
            partials.remove(session);
            release(p);
        }
    }

    private void release(Partial p) {
        int n = p.bytes.length;
        if (n > 0) {
            held -= n;
            heldBySource.merge(p.source, (long) -n, (a, b) -> a + b == 0 ? null : a + b);
        }
    }

    private Partial drop(int session, Partial p, String why) {
        malformed++;
        return skip(session, p, why);
    }

    /** Forgets {@code p} and skips the rest of its chunk. */
    private Partial skip(int session, Partial p, String why) {
        LOG.warn("dropping a message from Aeron session {}: {}", session, why);
        remove(session, partials.get(session));
        Partial skip = new Partial(p == null ? "?" : p.source, 0, p == null ? -1 : p.sequence, clock.getAsLong());
        skip.skipping = true;
        partials.put(session, skip);
        return null;
    }

    /** The sender's host as Aeron saw it ({@code Image.sourceIdentity()} without the port). */
    private static String source(Header header) {
        if (header.context() instanceof Image image) {
            String id = image.sourceIdentity();
            int colon = id.lastIndexOf(':');
            return colon > 0 ? id.substring(0, colon) : id;
        }
        return "?";
    }

    private static final class Partial {
        final String source;
        final int total;
        final int sequence;
        byte[] bytes = new byte[0];
        int filled;
        long touched;
        boolean skipping;

        Partial(String source, int total, int sequence, long now) {
            this.source = source;
            this.total = total;
            this.sequence = sequence;
            this.touched = now;
        }
    }
}
