package org.pocketflow.qsgd.ps;

import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.qsgd.ps.transport.AeronEndpoint;
import org.pocketflow.qsgd.ps.transport.MessageHandler;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The server's {@link ServerLink} over an {@link AeronEndpoint}. Sends run on a small pool of
 * sender threads, so the server thread never waits on a slow, full or dead worker: a send blocks
 * its sender thread for at most the timeout (then it is reported as a failure), and a worker's
 * newer frame replaces one of its frames that has not left yet. Up to {@link #MAX_SENDERS}
 * workers are served at once.
 *
 * <p>{@link #send}, {@link #poll} and {@link #failures} belong to the server thread; the sender
 * threads touch only the per-worker queues and the failure queue, both thread-safe.
 */
final class AeronLink implements ServerLink {
    /** The most sender threads a server runs. */
    static final int MAX_SENDERS = 16;
    private static final long CONNECT_POLL_NANOS = 50_000;

    private final AeronEndpoint endpoint;
    private final long timeoutMillis;
    private final Outgoing[] outgoing;
    private final ExecutorService senders;
    private final Queue<Failure> failed = new ConcurrentLinkedQueue<>();
    private final Queue<Timing> left = new ConcurrentLinkedQueue<>();

    /**
     * @param endpoint the bound endpoint; this link owns it from here on
     * @param workers the number of workers (ids 0 … workers − 1)
     * @param timeoutMillis how long one send may wait for a worker before it counts as failed
     */
    AeronLink(AeronEndpoint endpoint, int workers, long timeoutMillis) {
        this.endpoint = endpoint;
        this.timeoutMillis = timeoutMillis;
        this.outgoing = new Outgoing[workers];
        for (int w = 0; w < workers; w++) {
            outgoing[w] = new Outgoing();
        }
        AtomicInteger n = new AtomicInteger();
        String name = "pocketflow-ps-send-" + endpoint.address().port() + "-";
        this.senders = Executors.newFixedThreadPool(Math.min(workers, MAX_SENDERS), r -> {
            Thread t = new Thread(r, name + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public Address address() {
        return endpoint.address();
    }

    @Override
    public int poll(MessageHandler handler, int limit) {
        return endpoint.poll(handler, limit);
    }

    @Override
    public void send(int worker, Address to, byte[] frame, long step) {
        if (outgoing[worker].put(new Frame(to, frame, step), false)) {
            senders.execute(() -> drain(worker));
        }
    }

    @Override
    public void sendKept(int worker, Address to, byte[] frame, long step) {
        if (outgoing[worker].put(new Frame(to, frame, step), true)) {
            senders.execute(() -> drain(worker));
        }
    }

    private void drain(int worker) {
        Outgoing o = outgoing[worker];
        for (Frame f = o.take(); f != null; f = o.take()) {
            try {
                // timed from the connection on: a worker's first frame would otherwise count the connection's setup as link time
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
                endpoint.connect(f.to);
                while (!endpoint.isConnected(f.to) && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(CONNECT_POLL_NANOS);
                }
                long t0 = System.nanoTime();
                boolean sent = endpoint.send(f.to, f.bytes, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - t0)));
                long t1 = System.nanoTime();
                if (sent) {
                    left.add(new Timing(worker, f.step, f.bytes.length, t1 - t0, t1));
                } else {
                    failed.add(new Failure(worker, "unreachable at " + f.to + " for " + timeoutMillis + " ms"));
                }
            } catch (RuntimeException e) {
                failed.add(new Failure(worker, "cannot send to " + f.to + ": " + e));
            }
        }
    }

    @Override
    public void failures(SendFailureHandler handler) {
        for (Failure f = failed.poll(); f != null; f = failed.poll()) {
            handler.onSendFailed(f.worker, f.why);
        }
    }

    @Override
    public void completed(SendTimingHandler handler) {
        for (Timing t = left.poll(); t != null; t = left.poll()) {
            handler.onSent(t.worker, t.step, t.bytes, t.nanos, t.endNanos);
        }
    }

    @Override
    public void emulateLink(double mbit) {
        endpoint.emulateLink(mbit);
    }

    @Override
    public void close() {
        senders.shutdown();
        try {
            senders.awaitTermination(timeoutMillis + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        senders.shutdownNow();
        endpoint.close();
    }

    private record Frame(Address to, byte[] bytes, long step) {
    }

    private record Timing(int worker, long step, int bytes, long nanos, long endNanos) {
    }

    private record Failure(int worker, String why) {
    }

    /** One worker's frames waiting to leave (the kept ones first), and whether a sender thread is on them. */
    private static final class Outgoing {
        private final java.util.ArrayDeque<Frame> kept = new java.util.ArrayDeque<>();
        private Frame next;
        private boolean busy;

        /**
         * Queues {@code f}, kept or replacing a waiting replaceable frame; true when the caller must
         * start a sender on it.
         */
        synchronized boolean put(Frame f, boolean keep) {
            if (keep) {
                kept.add(f);
            } else {
                next = f;
            }
            if (busy) {
                return false;
            }
            busy = true;
            return true;
        }

        /** The frame to send next, or null (and the sender stops) when none waits. */
        synchronized Frame take() {
            Frame f = kept.poll();
            if (f == null) {
                f = next;
                next = null;
            }
            busy = f != null;
            return f;
        }
    }
}
