package org.pocketflow.qsgd.ps.wire;

/** Why a message was rejected; the parameter server counts each. A rejected message is never applied. */
public enum RejectReason {
    /** The CRC32C does not match: bits changed on the way. */
    BAD_CHECKSUM,
    /** Too short, wrong magic or version, lengths that do not add up, an unknown type, a bad payload. */
    MALFORMED,
    /** A secret is configured and the message has no HMAC, or one that does not verify. */
    UNAUTHENTICATED,
    /** The sender id is not one of the configured workers. */
    UNKNOWN_SENDER,
    /** The sender was dropped for stalling (sync mode) and is no longer part of training. */
    DROPPED_SENDER,
    /** A gradient from a worker that has not said HELLO (the server has no address to answer). */
    NOT_JOINED,
    /** A gradient on parameters older than the current step (sync) or than the staleness limit (async). */
    STALE,
    /**
     * A second gradient from the same worker for the same step, or (async) for a step at or before
     * one it already sent: a replay. A worker sends at most one gradient per parameter version.
     */
    DUPLICATE,
    /** A gradient on parameters the server has not published yet. */
    FUTURE_STEP,
    /** The gradient message itself does not decode with the server's codec (CorruptMessageException). */
    CORRUPT_GRADIENT,
    /** A message type the receiver does not accept (a worker sending PARAMS). */
    UNEXPECTED_TYPE,
    /**
     * A HELLO whose reply address is no address to send to: not {@code host:port}, characters an
     * Aeron channel would read as parameters, a name that does not resolve, a wildcard or multicast
     * address, or (on a loopback server) an address off this host.
     */
    BAD_ADDRESS
}
