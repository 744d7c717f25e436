package org.pocketflow.bench.ps;

import java.util.Locale;

/**
 * What one receiver saw: bytes received intact over the wall time from the first send to its
 * last message.
 *
 * @param receiver the receiver's name
 * @param messages messages received (each compared with what was sent)
 * @param bytes bytes received
 * @param seconds from the first send to the receiver's last message
 */
public record Throughput(String receiver, int messages, long bytes, double seconds) {

    public double megabytesPerSecond() {
        return bytes / 1e6 / seconds;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: %d msgs, %.1f MB in %.3f s = %.1f MB/s", receiver, messages, bytes / 1e6, seconds,
                megabytesPerSecond());
    }
}
