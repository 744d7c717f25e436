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
