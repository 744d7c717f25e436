package org.pocketflow.qsgd.ps.transport;

import io.aeron.ExclusivePublication;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.DatagramSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile chunk headers over real Aeron UDP on loopback: raw publications announce lengths they
 * never send, or more than the limit, and the receiving endpoint holds only what its limits allow.
 */
class AssemblyLimitsTest {
    private static final int KIB = 1024;
    @RegisterExtension
    static final AeronRuntimeExtension AERON = new AeronRuntimeExtension();

    @Test
    void aChunkHeaderAnnouncingMoreThanTheLimitIsDroppedBeforeAnyAllocation() throws Exception {
        AssemblyLimits limits = AssemblyLimits.forPeers(256 * KIB, 2);
        try (AeronEndpoint receiver = AERON.runtime().bind(Address.loopback(freePort()), limits);
             ExclusivePublication raw = rawPublication(receiver.address());
             AeronEndpoint honest = AERON.runtime().bind(Address.loopback(freePort()))) {
            offer(raw, 512 << 20, 0, new byte[100]); // the 512 MiB a header could make the old assembler allocate
            offer(raw, 256 * KIB + 1, 0, new byte[100]);
            List<byte[]> got = new ArrayList<>();
            pollUntil(receiver, got, () -> receiver.malformedMessages() == 2);
            assertEquals(0, receiver.heldBytes());
            assertTrue(honest.send(receiver.address(), new byte[] {7, 7}));
            pollUntil(receiver, got, () -> got.size() == 1);
            assertArrayEquals(new byte[] {7, 7}, got.get(0));
        }
    }

    @Test
    void aMessageThatNeverEndsHoldsOnlyWhatArrivedAndIsEvictedWhenStale() throws Exception {
        AssemblyLimits limits = AssemblyLimits.forPeers(256 * KIB, 2).withStaleMillis(300);
        try (AeronEndpoint receiver = AERON.runtime().bind(Address.loopback(freePort()), limits);
             ExclusivePublication raw = rawPublication(receiver.address())) {
            offer(raw, 256 * KIB, 0, new byte[100]);
            List<byte[]> got = new ArrayList<>();
            pollUntil(receiver, got, () -> receiver.heldBytes() > 0);
            assertTrue(receiver.heldBytes() <= 4 * KIB, "the announced 256 KiB are not allocated: " + receiver.heldBytes());
            pollUntil(receiver, got, () -> receiver.evictedMessages() == 1);
            assertEquals(0, receiver.heldBytes());
            assertTrue(got.isEmpty());
        }
    }

    @Test
    void oneHostCannotTakeTheRoomOfTheOthers() throws Exception {
        // one message of up to 64 KiB per peer, 2 peers: 128 KiB per source host, 256 KiB in all
        AssemblyLimits limits = AssemblyLimits.forPeers(64 * KIB, 2);
        try (AeronEndpoint receiver = AERON.runtime().bind(Address.loopback(freePort()), limits)) {
            List<ExclusivePublication> flood = new ArrayList<>();
            List<byte[]> got = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) { // four sessions from 127.0.0.1, each 60 KiB into a 64 KiB message
                    ExclusivePublication p = rawPublication(receiver.address());
                    flood.add(p);
                    offer(p, 64 * KIB, 0, new byte[60 * KIB]);
                }
                pollUntil(receiver, got, () -> receiver.overQuotaMessages() == 2);
                assertEquals(120 * KIB, receiver.heldBytes(), "two unfinished messages of 60 KiB from the flooding host");
                assertTrue(receiver.heldBytes() + 60 * KIB < limits.maxBytesHeld(), "refused by the host's quota while the"
                        + " endpoint as a whole had room for other hosts");
                assertTrue(got.isEmpty());
            } finally {
                flood.forEach(ExclusivePublication::close);
            }
        }
    }

    /** A publication to {@code to} with 1 MiB terms (128 KiB messages). */
    private static ExclusivePublication rawPublication(Address to) throws InterruptedException {
        String channel = "aeron:udp?endpoint=" + to + "|term-length=1m";
        ExclusivePublication p = AERON.runtime().client().addExclusivePublication(channel, 0x5046);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!p.isConnected() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertTrue(p.isConnected(), "raw publication to " + to + " did not connect");
        return p;
    }

    /** One chunk: a PFCH header announcing {@code total} bytes, at {@code offset}, then {@code payload}. */
    private static void offer(ExclusivePublication p, int total, int offset, byte[] payload) throws InterruptedException {
        UnsafeBuffer b = new UnsafeBuffer(new byte[ChunkHeader.BYTES + payload.length]);
        ChunkHeader.write(b, total, offset, 1);
        b.putBytes(ChunkHeader.BYTES, payload);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (p.offer(b) < 0) {
            assertTrue(System.nanoTime() < deadline, "could not offer a raw chunk");
            Thread.sleep(1);
        }
    }

    private static void pollUntil(AeronEndpoint e, List<byte[]> got, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not reached; malformed " + e.malformedMessages() + ", over quota "
                    + e.overQuotaMessages() + ", evicted " + e.evictedMessages() + ", held " + e.heldBytes());
            if (e.poll(got::add, 64) == 0) {
                Thread.sleep(1);
            }
        }
    }

    private static int freePort() throws java.io.IOException {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }
}
