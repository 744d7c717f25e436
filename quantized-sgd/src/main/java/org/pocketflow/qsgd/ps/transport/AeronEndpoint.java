package org.pocketflow.qsgd.ps.transport;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A point of the exchange: one Aeron UDP subscription on its own address, and one exclusive
 * publication per peer it sends to. Messages are raw byte arrays of any length up to {@link
 * TransportSettings#maxMessageBytes()}; longer ones than an Aeron message are split into chunks
 * (see {@link ChunkHeader}) and rebuilt by the receiver, copying each byte once on each side.
 *
 * <p><b>Call order and threads.</b> {@link AeronRuntime#bind} creates it; {@link #send} may be
 * called from any thread (sends to one peer are serialised so that chunks of two messages never
 * interleave on its publication; sends to different peers run in parallel); {@link #poll} belongs
 * to one thread, which owns the handler it passes (and the counters below are read there);
 * {@link #close} last. A message reaches a peer only while that peer's endpoint is bound.
 */
public final class AeronEndpoint implements AutoCloseable {
    private static final int STREAM_ID = 0x5046; // "PF"

    private final Aeron aeron;
    private final Address address;
    private final TransportSettings settings;
    private final Subscription subscription;
    private final MessageAssembler assembler;
    private final Map<Address, Peer> peers = new ConcurrentHashMap<>();
    private volatile LinkEmulator link;

    AeronEndpoint(Aeron aeron, Address address, TransportSettings settings, AssemblyLimits limits) {
        this.aeron = aeron;
        this.address = address;
        this.settings = settings;
        this.assembler = new MessageAssembler(limits, System::nanoTime);
        try {
            this.subscription = aeron.addSubscription(settings.channel(address), STREAM_ID);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot bind the parameter-server endpoint to udp://" + address + ": " + e.getMessage()
                    + " (is the port free, and is the host an address of this machine?)", e);
        }
    }

    /** The address this endpoint receives on. */
    public Address address() {
        return address;
    }

    /** Starts connecting to {@code peer} without sending; {@link #send} connects on demand too. */
    public void connect(Address peer) {
        publication(peer);
    }

    /** Whether a publication to {@code peer} exists and a subscriber is connected to it. */
    public boolean isConnected(Address peer) {
        Peer p = peers.get(peer);
        return p != null && p.publication.isConnected();
    }

    /**
     * Sends one message to {@code peer}, waiting for the connection and on back-pressure up to
     * {@link TransportSettings#sendTimeoutMillis()}.
     *
     * @return false if the peer stayed unreachable that long (the message may be partly sent; the
     *     receiver then drops the incomplete message when the next one begins)
     */
    public boolean send(Address peer, byte[] message) {
        return send(peer, message, settings.sendTimeoutMillis());
    }

    /**
     * Emulates a link of {@code mbit} Mbit/s for this endpoint's sends (0: none, the default): each
     * send first waits for its bytes to cross a link of that rate, shared by all of this endpoint's
     * peers, as one network interface would be.
     */
    public void emulateLink(double mbit) {
        link = mbit == 0 ? null : new LinkEmulator(mbit);
    }

    /** As {@link #send(Address, byte[])}, giving up after {@code timeoutMillis}. */
    public boolean send(Address peer, byte[] message, long timeoutMillis) {
        LinkEmulator l = link;
        if (l != null) {
            l.cross(message.length);
        }
        Peer p = publication(peer);
        synchronized (p) {
            return p.send(message, settings, timeoutMillis);
        }
    }

    /**
     * Delivers the messages that have arrived, up to about {@code fragmentLimit} Aeron fragments,
     * to {@code handler} on the calling thread.
     *
     * @return the number of fragments read (0 when idle)
     * @throws RuntimeException what {@code handler} threw, unchanged (the message that made it
     *     throw is consumed; the next poll continues with the next one)
     */
    public int poll(MessageHandler handler, int fragmentLimit) {
        assembler.handler(handler);
        assembler.evictStale();
        return subscription.poll(assembler, fragmentLimit);
    }

    /** Messages dropped so far because their chunks did not fit together or announced too many bytes. */
    public long malformedMessages() {
        return assembler.malformed();
    }

    /** Messages dropped so far because their sender's host, or all senders, held too many bytes ({@link AssemblyLimits}). */
    public long overQuotaMessages() {
        return assembler.overQuota();
    }

    /** Unfinished messages evicted so far because no chunk came for {@link AssemblyLimits#staleMillis()}. */
    public long evictedMessages() {
        return assembler.evicted();
    }

    /** Bytes held now for unfinished messages. */
    public long heldBytes() {
        return assembler.held();
    }

    private Peer publication(Address peer) {
        return peers.computeIfAbsent(peer, a -> new Peer(a, aeron.addExclusivePublication(settings.channel(a), STREAM_ID)));
    }

    @Override
    public void close() {
        peers.values().forEach(p -> p.publication.close());
        peers.clear();
        subscription.close();
    }

    /** One outgoing publication and its scratch buffers, guarded by its own monitor. */
    private static final class Peer {
        final Address address;
        final ExclusivePublication publication;
        final UnsafeBuffer chunkHeader = new UnsafeBuffer(new byte[ChunkHeader.BYTES]);
        final UnsafeBuffer payload = new UnsafeBuffer(new byte[0]);
        int sequence;

        Peer(Address address, ExclusivePublication publication) {
            this.address = address;
            this.publication = publication;
        }

        boolean send(byte[] message, TransportSettings settings, long timeoutMillis) {
            ExclusivePublication pub = publication;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
            int chunkBytes = Math.min(settings.chunkPayloadBytes(), pub.maxMessageLength() - ChunkHeader.BYTES);
            int seq = sequence++;
            payload.wrap(message);
            int at = 0;
            do {
                int len = Math.min(chunkBytes, message.length - at);
                ChunkHeader.write(chunkHeader, message.length, at, seq);
                while (true) {
                    long r = pub.offer(chunkHeader, 0, ChunkHeader.BYTES, payload, at, len);
                    if (r > 0) {
                        break;
                    }
                    if (r == Publication.CLOSED || r == Publication.MAX_POSITION_EXCEEDED) {
                        throw new IllegalStateException("publication to " + address + " is closed (result " + r + ")");
                    }
                    if (System.nanoTime() > deadline) {
                        return false;
                    }
                    idle.idle();
                }
                idle.reset();
                at += len;
            } while (at < message.length);
            return true;
        }
    }
}
