package org.pocketflow.qsgd;

/**
 * A message that cannot be decoded: the text names what is wrong, the value found and the value
 * expected; {@link #reason()} classifies it for code that reacts (retry, drop, alert). Thrown
 * before anything is written into the caller's array.
 */
public final class CorruptMessageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What part of the message is wrong. */
    public enum Reason {
        /** Fewer bytes than the header announces (or than the smallest header). */
        TRUNCATED,
        /** More bytes than the header announces, or a length field that does not fit the codec. */
        WRONG_LENGTH,
        /** The first four bytes are not the PocketFlow gradient magic. */
        BAD_MAGIC,
        /** A format version this build does not read. */
        UNSUPPORTED_VERSION,
        /** A codec id this build does not know. */
        UNKNOWN_CODEC,
        /** A known codec, but not the one asked to decode, or other parameters than its own. */
        CODEC_MISMATCH,
        /** Codec parameters outside their valid range. */
        BAD_PARAMETERS,
        /** The CRC32C over header and payload does not match. */
        BAD_CHECKSUM,
        /** The payload does not parse (only possible if the checksum was forged or the encoder is buggy). */
        BAD_PAYLOAD
    }

    private final Reason reason;

    public CorruptMessageException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
