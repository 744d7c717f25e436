package org.pocketflow.qsgd.ps.transport;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * An emulated link of a fixed rate for one endpoint's sends, to measure on one machine what a
 * slower network does: a message of {@code b} bytes occupies the link for {@code 8 b / rate}
 * seconds, messages queue behind each other, and the sender waits until its message has "crossed"
 * before handing it to Aeron, so the receiver sees it when a real link of that rate would deliver
 * it. Latency is not emulated. Thread-safe.
 */
final class LinkEmulator {
    private final double nanosPerByte;
    private long freeAt;

    /** @param mbit the rate in Mbit/s, > 0 */
    LinkEmulator(double mbit) {
        if (!(mbit > 0) || Double.isInfinite(mbit)) {
            throw new IllegalArgumentException("emulated link rate must be finite and > 0 Mbit/s, but got " + mbit);
        }
        this.nanosPerByte = 8e3 / mbit;
    }

    /** Waits until {@code bytes} more have crossed the link after everything queued before them. */
    void cross(int bytes) {
        long done;
        synchronized (this) {
            long now = System.nanoTime();
            done = Math.max(now, freeAt) + (long) (bytes * nanosPerByte);
            freeAt = done;
        }
        for (long left = done - System.nanoTime(); left > 0; left = done - System.nanoTime()) {
            LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        }
    }
}
