package org.pocketflow.bench.ps;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.nd4j.parameterserver.distributed.v2.ModelParameterServer;
import org.nd4j.parameterserver.distributed.v2.transport.impl.AeronUdpTransport;
import org.nd4j.parameterserver.distributed.v2.util.AbstractUpdatesHandler;
import org.reactivestreams.Subscription;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline: three unmodified v2 {@code ModelParameterServer} nodes over {@code
 * AeronUdpTransport} on loopback (A the master, B and C connected to it). B sends {@code
 * sendUpdate} with a BYTE-typed array; A and C each count and compare what arrives.
 */
public final class ModelParameterServerRun {
    private ModelParameterServerRun() {
    }

    /** Sends {@code count} messages of {@code bytes} random bytes from B; returns A's and C's figures. */
    public static List<Throughput> run(int[] ports, int bytes, int count, long seed, long timeoutSeconds) throws Exception {
        VoidConfiguration conf = VoidConfiguration.builder().unicastPort(ports[0]).portSupplier(
                new org.nd4j.parameterserver.distributed.v2.transport.impl.StaticPortSupplier(ports[0])).build();
        String ip = "127.0.0.1";
        AeronUdpTransport ta = new AeronUdpTransport(ip, ports[0], ip, ports[0], conf);
        AeronUdpTransport tb = new AeronUdpTransport(ip, ports[1], ip, ports[0], conf);
        AeronUdpTransport tc = new AeronUdpTransport(ip, ports[2], ip, ports[0], conf);
        ModelParameterServer a = new ModelParameterServer(conf, ta, true);
        ModelParameterServer b = new ModelParameterServer(conf, tb, false);
        ModelParameterServer c = new ModelParameterServer(conf, tc, false);
        byte[] payload = new byte[bytes];
        new java.util.Random(seed).nextBytes(payload);
        Counter ca = new Counter(payload, count);
        Counter cc = new Counter(payload, count);
        a.addUpdatesSubscriber(ca);
        c.addUpdatesSubscriber(cc);
        b.addUpdatesSubscriber(new Counter(payload, Integer.MAX_VALUE));
        try {
            a.launch();
            b.launch();
            c.launch();
            Thread.sleep(2000); // the mesh (handshakes) settles; sendUpdate before that is lost
            INDArray update = Nd4j.createFromArray(payload).castTo(DataType.BYTE);
            if (!Arrays.equals(update.data().asBytes(), payload)) {
                throw new IllegalStateException("BYTE array does not hold the payload");
            }
            long start = System.nanoTime();
            ca.start = start;
            cc.start = start;
            for (int i = 0; i < count; i++) {
                b.sendUpdate(update);
            }
            boolean done = ca.done.await(timeoutSeconds, TimeUnit.SECONDS) & cc.done.await(timeoutSeconds, TimeUnit.SECONDS);
            List<Throughput> out = new ArrayList<>();
            out.add(ca.result("A (master)"));
            out.add(cc.result("C"));
            if (!done) {
                System.out.println("  (timed out after " + timeoutSeconds + " s; partial counts)");
            }
            return out;
        } finally {
            c.shutdown();
            b.shutdown();
            a.shutdown();
        }
    }

    /** Counts updates and checks each is the payload. */
    private static final class Counter extends AbstractUpdatesHandler {
        final byte[] expected;
        final CountDownLatch done;
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong lastNanos = new AtomicLong();
        volatile long start;
        volatile int received;
        volatile int corrupt;

        Counter(byte[] expected, int count) {
            this.expected = expected;
            this.done = new CountDownLatch(Math.min(count, 1 << 20));
        }

        @Override
        public INDArray getParametersArray() {
            return null;
        }

        @Override
        public void onSubscribe(Subscription s) {
        }

        @Override
        public synchronized void onNext(INDArray array) {
            byte[] got = array.data().asBytes();
            if (!Arrays.equals(got, expected)) {
                corrupt++;
                return;
            }
            bytes.addAndGet(got.length);
            received++;
            lastNanos.set(System.nanoTime());
            done.countDown();
        }

        Throughput result(String name) {
            if (corrupt > 0) {
                System.out.println("  " + name + ": " + corrupt + " messages differed from the payload");
            }
            long last = lastNanos.get();
            double seconds = last == 0 ? Double.NaN : (last - start) / 1e9;
            return new Throughput(name, received, bytes.get(), seconds);
        }
    }
}
