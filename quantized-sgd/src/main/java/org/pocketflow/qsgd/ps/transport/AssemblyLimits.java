package org.pocketflow.qsgd.ps.transport;

/**
 * What a receiving {@link AeronEndpoint} lets its senders make it hold while it rebuilds their
 * messages; checked before anything is allocated. A chunk header only announces a length: the
 * receiver sizes its buffer to the bytes that really arrived (doubling as more come, never past
 * the announced length), so a sender that announces much and sends little holds little.
 *
 * @param maxMessageBytes the longest message taken at all; a chunk header announcing more is
 *     dropped as malformed (the parameter server derives it from the model's size)
 * @param maxBytesPerSource the most bytes of unfinished messages one source host (IP address)
 *     may make this endpoint hold at once; a message that would grow past it is dropped
 * @param maxBytesHeld the most bytes of unfinished messages of all sources together
 * @param staleMillis an unfinished message that received nothing for this long is evicted (its
 *     sender died, or never meant to finish it)
 */
public record AssemblyLimits(int maxMessageBytes, long maxBytesPerSource, long maxBytesHeld, long staleMillis) {

    /** How long an unfinished message may sit without a new chunk by default. */
    public static final long DEFAULT_STALE_MILLIS = 10_000;

    public AssemblyLimits {
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException("assembly maxMessageBytes must be >= 1, but got " + maxMessageBytes);
        }
        if (maxBytesPerSource < maxMessageBytes || maxBytesHeld < maxBytesPerSource) {
            throw new IllegalArgumentException("assembly limits must satisfy maxMessageBytes <= maxBytesPerSource <= maxBytesHeld,"
                    + " but got " + maxMessageBytes + ", " + maxBytesPerSource + ", " + maxBytesHeld);
        }
        if (staleMillis < 1) {
            throw new IllegalArgumentException("assembly staleMillis must be >= 1, but got " + staleMillis);
        }
    }

    /**
     * Limits for an endpoint that expects messages of at most {@code maxMessageBytes} from {@code
     * peers} senders, any number of which may share a host: one host may hold one message per
     * peer, all hosts together twice that, so a stranger's host cannot take the peers' room.
     */
    public static AssemblyLimits forPeers(int maxMessageBytes, int peers) {
        long perSource = (long) maxMessageBytes * Math.max(1, peers);
        return new AssemblyLimits(maxMessageBytes, perSource, 2 * perSource, DEFAULT_STALE_MILLIS);
    }

    /** The same limits with another stale time. */
    public AssemblyLimits withStaleMillis(long millis) {
        return new AssemblyLimits(maxMessageBytes, maxBytesPerSource, maxBytesHeld, millis);
    }
}
