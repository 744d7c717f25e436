package org.pocketflow.qsgd.ps.transport;

/**
 * How the exchange uses Aeron: the knobs that decide throughput on a fast link.
 *
 * <p>The defaults were chosen on loopback ({@code bench/bin/run TransportThroughputBench}): a
 * large MTU cuts the per-packet cost (loopback's MTU is 64 KiB), a receiver window and socket
 * buffers of a few MiB keep the sender from stalling on status messages, and 16 MiB terms allow
 * 2 MiB Aeron messages, into which larger frames are split.
 *
 * @param mtuBytes Aeron's datagram size, a multiple of 32 in [1,408, 65,504]; above the path MTU
 *     of a real network the kernel fragments IP packets, so use 1,408 (Aeron's default) or the
 *     jumbo-frame size off loopback
 * @param termBytes the publication term length, a power of two in [64 KiB, 1 GiB]; one Aeron
 *     message is at most an eighth of it, and each publication maps three terms
 * @param windowBytes the receiver window (how far a sender may run ahead of the receiver)
 * @param socketBufferBytes SO_SNDBUF and SO_RCVBUF; the kernel caps them at
 *     {@code net.core.rmem_max}/{@code wmem_max}
 * @param sendTimeoutMillis how long a send waits on back-pressure or a missing connection
 *     before it gives up and reports the peer unavailable
 * @param maxMessageBytes the largest message a receiver assembles; a chunk header announcing more
 *     is dropped as malformed (a bound on what a bad sender can make a receiver allocate)
 */
public record TransportSettings(int mtuBytes, int termBytes, int windowBytes, int socketBufferBytes, long sendTimeoutMillis,
                                int maxMessageBytes) {

    /** The defaults measured on loopback; see the package documentation. */
    public static final TransportSettings DEFAULTS = new TransportSettings(65_504, 16 << 20, 4 << 20, 4 << 20, 10_000, 512 << 20);

    public TransportSettings {
        if (mtuBytes < 1408 || mtuBytes > 65_504 || mtuBytes % 32 != 0) {
            throw new IllegalArgumentException("transport mtuBytes must be a multiple of 32 in [1408, 65504], but got " + mtuBytes);
        }
        if (Integer.bitCount(termBytes) != 1 || termBytes < (64 << 10) || termBytes > (1 << 30)) {
            throw new IllegalArgumentException("transport termBytes must be a power of two in [65536, 1073741824], but got " + termBytes);
        }
        if (windowBytes < mtuBytes || windowBytes > termBytes / 2) {
            throw new IllegalArgumentException("transport windowBytes must be in [mtuBytes, termBytes / 2] = [" + mtuBytes + ", "
                    + termBytes / 2 + "], but got " + windowBytes);
        }
        if (socketBufferBytes < (64 << 10)) {
            throw new IllegalArgumentException("transport socketBufferBytes must be >= 65536, but got " + socketBufferBytes);
        }
        if (sendTimeoutMillis < 1) {
            throw new IllegalArgumentException("transport sendTimeoutMillis must be >= 1, but got " + sendTimeoutMillis);
        }
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException("transport maxMessageBytes must be >= 1, but got " + maxMessageBytes);
        }
    }

    /** The largest chunk one Aeron message carries (an eighth of a term, less the chunk header). */
    int chunkPayloadBytes() {
        return termBytes / 8 - ChunkHeader.BYTES;
    }

    /** The same settings with another send timeout. */
    public TransportSettings withSendTimeoutMillis(long millis) {
        return new TransportSettings(mtuBytes, termBytes, windowBytes, socketBufferBytes, millis, maxMessageBytes);
    }

    /** The Aeron channel URI for {@code address} with these settings. */
    String channel(Address address) {
        return "aeron:udp?endpoint=" + address + "|mtu=" + mtuBytes + "|term-length=" + termBytes;
    }
}
