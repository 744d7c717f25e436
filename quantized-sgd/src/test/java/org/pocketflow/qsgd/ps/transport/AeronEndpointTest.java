package org.pocketflow.qsgd.ps.transport;

import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Messages of every size, from empty to many chunks, arrive whole and in order over loopback UDP. */
class AeronEndpointTest {

    @Test
    void deliversMessagesLargerThanAnAeronMessageIntactAndInOrder() throws Exception {
        // 1 MiB terms: 128 KiB Aeron messages, so 5 MB travels as ~40 chunks
        TransportSettings small = new TransportSettings(8192, 1 << 20, 256 << 10, 1 << 20, 10_000, 64 << 20);
        SplittableRandom r = new SplittableRandom(3);
        int[] sizes = {0, 1, 131_055, 131_056, 131_057, 5_000_000, 17};
        List<byte[]> sent = new ArrayList<>();
        for (int size : sizes) {
            byte[] m = new byte[size];
            for (int i = 0; i < size; i++) {
                m[i] = (byte) r.nextInt();
            }
            sent.add(m);
        }
        try (AeronRuntime runtime = new AeronRuntime(small);
             AeronEndpoint a = runtime.bind(Address.loopback(freePort()));
             AeronEndpoint b = runtime.bind(Address.loopback(freePort()))) {
            List<byte[]> got = new ArrayList<>();
            Thread sender = new Thread(() -> sent.forEach(m -> assertTrue(a.send(b.address(), m))));
            sender.start();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (got.size() < sent.size() && System.nanoTime() < deadline) {
                if (b.poll(got::add, 64) == 0) {
                    Thread.sleep(1);
                }
            }
            sender.join();
            assertEquals(sent.size(), got.size());
            for (int i = 0; i < sent.size(); i++) {
                assertArrayEquals(sent.get(i), got.get(i), "message " + i + " of " + sizes[i] + " bytes");
            }
            assertEquals(0, b.malformedMessages());
        }
    }

    @Test
    void anExceptionInTheHandlerLeavesPollAndTheNextMessageStillArrives() throws Exception {
        try (AeronRuntime runtime = new AeronRuntime();
             AeronEndpoint a = runtime.bind(Address.loopback(freePort()));
             AeronEndpoint b = runtime.bind(Address.loopback(freePort()))) {
            assertTrue(a.send(b.address(), new byte[] {1}));
            assertTrue(a.send(b.address(), new byte[] {2}));
            IllegalStateException boom = new IllegalStateException("the handler failed");
            IllegalStateException thrown = null;
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (thrown == null && System.nanoTime() < deadline) {
                try {
                    if (b.poll(m -> {
                        throw boom;
                    }, 1) == 0) {
                        Thread.sleep(1);
                    }
                } catch (IllegalStateException e) {
                    thrown = e;
                }
            }
            org.junit.jupiter.api.Assertions.assertSame(boom, thrown, "the handler's exception reaches the caller of poll");
            List<byte[]> got = new ArrayList<>();
            while (got.isEmpty() && System.nanoTime() < deadline) {
                if (b.poll(got::add, 1) == 0) {
                    Thread.sleep(1);
                }
            }
            assertArrayEquals(new byte[] {2}, got.get(0), "the failed message is consumed, the next one follows");
        }
    }

    @Test
    void rejectsBadAddresses() {
        assertEquals(Address.loopback(5), Address.parse("127.0.0.1:5"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Address.parse("127.0.0.1"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Address.loopback(70_000));
    }

    private static int freePort() throws java.io.IOException {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }
}
