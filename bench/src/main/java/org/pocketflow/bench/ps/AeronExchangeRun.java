package org.pocketflow.bench.ps;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.pocketflow.qsgd.ps.transport.AeronEndpoint;
import org.pocketflow.qsgd.ps.transport.AeronRuntime;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.qsgd.ps.transport.TransportSettings;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The parameter server's exchange: three {@link AeronEndpoint}s on loopback UDP ports; S sends
 * every message to R1 and R2 (one sending thread per receiver, as the server publishes to its
 * workers), and each receiver's polling thread compares every message with the payload.
 */
public final class AeronExchangeRun {
    private AeronExchangeRun() {
    }

    public static List<Throughput> run(TransportSettings settings, int[] ports, int bytes, int count, long seed, long timeoutSeconds)
            throws Exception {
        byte[] payload = new byte[bytes];
        new Random(seed).nextBytes(payload);
        try (AeronRuntime runtime = new AeronRuntime(settings);
             AeronEndpoint s = runtime.bind(Address.loopback(ports[0]));
             AeronEndpoint r1 = runtime.bind(Address.loopback(ports[1]));
             AeronEndpoint r2 = runtime.bind(Address.loopback(ports[2]))) {
            AeronEndpoint[] receivers = {r1, r2};
            // connect before timing (Aeron maps the log buffers here), as a server does at start
            for (AeronEndpoint r : receivers) {
                s.connect(r.address());
            }
            long connectDeadline = System.nanoTime() + 10_000_000_000L;
            while (!(s.isConnected(r1.address()) && s.isConnected(r2.address()))) {
                if (System.nanoTime() > connectDeadline) {
                    throw new IllegalStateException("receivers did not connect within 10 s");
                }
                for (AeronEndpoint r : receivers) {
                    r.poll(m -> { }, 10);
                }
                Thread.sleep(1);
            }
            Receiver[] rx = {new Receiver("R1", r1, payload, count), new Receiver("R2", r2, payload, count)};
            List<Thread> threads = new ArrayList<>();
            for (Receiver r : rx) {
                threads.add(new Thread(r, "bench-rx-" + r.name));
            }
            long start = System.nanoTime();
            for (Receiver r : rx) {
                r.start = start;
            }
            threads.forEach(Thread::start);
            List<Thread> senders = new ArrayList<>();
            AtomicBoolean failed = new AtomicBoolean();
            for (AeronEndpoint r : receivers) {
                Thread t = new Thread(() -> {
                    for (int i = 0; i < count; i++) {
                        if (!s.send(r.address(), payload)) {
                            failed.set(true);
                            return;
                        }
                    }
                }, "bench-tx-" + r.address().port());
                senders.add(t);
                t.start();
            }
            for (Thread t : senders) {
                t.join();
            }
            for (Thread t : threads) {
                t.join(timeoutSeconds * 1000);
            }
            List<Thread> alive = threads.stream().filter(Thread::isAlive).toList();
            for (Receiver r : rx) {
                r.stop = true;
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failed.get() || !alive.isEmpty()) {
                System.out.println("  (send timed out: " + failed.get() + ", receivers unfinished: " + alive.size() + ")");
            }
            List<Throughput> out = new ArrayList<>();
            for (Receiver r : rx) {
                out.add(r.result());
            }
            return out;
        }
    }

    private static final class Receiver implements Runnable {
        final String name;
        final AeronEndpoint endpoint;
        final byte[] expected;
        final int count;
        volatile long start;
        volatile boolean stop;
        int received;
        int corrupt;
        long bytes;
        long last;

        Receiver(String name, AeronEndpoint endpoint, byte[] expected, int count) {
            this.name = name;
            this.endpoint = endpoint;
            this.expected = expected;
            this.count = count;
        }

        @Override
        public void run() {
            IdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 100_000);
            while (received < count && !stop) {
                idle.idle(endpoint.poll(this::onMessage, 256));
            }
        }

        private void onMessage(byte[] m) {
            if (!Arrays.equals(m, expected)) {
                corrupt++;
                return;
            }
            received++;
            bytes += m.length;
            last = System.nanoTime();
        }

        Throughput result() {
            if (corrupt > 0) {
                System.out.println("  " + name + ": " + corrupt + " messages differed from the payload");
            }
            return new Throughput(name, received, bytes, last == 0 ? Double.NaN : (last - start) / 1e9);
        }
    }
}
