package org.pocketflow.qsgd.ps.wire;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.zip.CRC32C;

/**
 * The parameter server's wire format, version 1 (little-endian):
 *
 * <pre>
 *  0  magic "PFPS"      4 bytes
 *  4  version (1)       1
 *  5  type              1   MessageType code
 *  6  flags             1   bit 0: an HMAC follows the payload; bit 1: last (final parameters)
 *  7  reserved (0)      1
 *  8  sender            4   worker id, or -1 for the server
 * 12  step              8
 * 20  payload length L  4
 * 24  payload           L
 *     HMAC-SHA256       32  over the nonce (8 bytes) and bytes [0, 24 + L), only with flag bit 0
 *     CRC32C            4   over everything before it
 * </pre>
 *
 * <p>Checks run in this order: length, CRC32C ({@link RejectReason#BAD_CHECKSUM}), magic, version,
 * type and lengths ({@link RejectReason#MALFORMED}), then, when this codec holds a secret, the HMAC
 * ({@link RejectReason#UNAUTHENTICATED}, compared in constant time). The checksum catches
 * corruption; only the HMAC stops a forger, who can recompute a CRC. Without a secret any process
 * that reaches the port can claim any worker id: bind to loopback or set a secret. The nonce (the
 * job's or trial's number, never sent) makes frames of one job fail the HMAC of another under the
 * same secret; replays within a job are the receiver's to refuse (by step).
 *
 * <p>Immutable and thread-safe (each call makes its own {@link Mac}).
 */
public final class PsMessageCodec {
    /** "PFPS" little-endian. */
    public static final int MAGIC = 0x53504650;
    public static final int VERSION = 1;
    static final int HEADER = 24;
    static final int MAC_BYTES = 32;
    static final int CRC_BYTES = 4;
    private static final int FLAG_MAC = 1;
    private static final int FLAG_LAST = 2;
    private static final String HMAC = "HmacSHA256";

    private final byte[] secret;
    private final byte[] nonce;

    /** A codec without authentication. */
    public PsMessageCodec() {
        this(null);
    }

    /**
     * @param secret the HMAC key; null or empty for none. With a key, {@link #encode} signs every
     *     message and {@link #decode} rejects messages that are not signed with it.
     */
    public PsMessageCodec(byte[] secret) {
        this(secret, 0);
    }

    /**
     * @param secret the HMAC key; null or empty for none
     * @param nonce the job's (or trial's) nonce, taken into every HMAC
     */
    public PsMessageCodec(byte[] secret, long nonce) {
        this.secret = secret == null || secret.length == 0 ? null : secret.clone();
        this.nonce = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(nonce).array();
    }

    public boolean authenticates() {
        return secret != null;
    }

    /** The message's bytes on the wire. */
    public byte[] encode(PsMessage m) {
        byte[] payload = m.payloadShared();
        int macBytes = secret == null ? 0 : MAC_BYTES;
        byte[] out = new byte[HEADER + payload.length + macBytes + CRC_BYTES];
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).put((byte) VERSION).put((byte) m.type().code())
                .put((byte) ((secret == null ? 0 : FLAG_MAC) | (m.last() ? FLAG_LAST : 0))).put((byte) 0)
                .putInt(m.sender()).putLong(m.step()).putInt(payload.length).put(payload);
        if (secret != null) {
            b.put(mac(secret, nonce, out, HEADER + payload.length));
        }
        CRC32C crc = new CRC32C();
        crc.update(out, 0, out.length - CRC_BYTES);
        b.putInt((int) crc.getValue());
        return out;
    }

    /**
     * Checks and parses one message.
     *
     * @throws RejectedMessageException naming the first check that failed
     */
    public PsMessage decode(byte[] bytes) throws RejectedMessageException {
        if (bytes.length < HEADER + CRC_BYTES) {
            throw new RejectedMessageException(RejectReason.MALFORMED, bytes.length + " bytes, shorter than the "
                    + (HEADER + CRC_BYTES) + "-byte minimum");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - CRC_BYTES);
        int stored = b.getInt(bytes.length - CRC_BYTES);
        if ((int) crc.getValue() != stored) {
            throw new RejectedMessageException(RejectReason.BAD_CHECKSUM, String.format("CRC32C is %08x, the message says %08x",
                    (int) crc.getValue(), stored));
        }
        if (b.getInt(0) != MAGIC) {
            throw new RejectedMessageException(RejectReason.MALFORMED, String.format("magic %08x, expected %08x (PFPS)", b.getInt(0), MAGIC));
        }
        if (bytes[4] != VERSION) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "wire version " + bytes[4] + ", this build reads " + VERSION);
        }
        MessageType type = MessageType.of(bytes[5]);
        if (type == null) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "unknown message type " + bytes[5]);
        }
        int flags = bytes[6];
        int sender = b.getInt(8);
        long step = b.getLong(12);
        int length = b.getInt(20);
        int macBytes = (flags & FLAG_MAC) != 0 ? MAC_BYTES : 0;
        if (length < 0 || (long) HEADER + length + macBytes + CRC_BYTES != bytes.length) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "payload length " + length + " does not fit a "
                    + bytes.length + "-byte message");
        }
        if (step < 0) {
            throw new RejectedMessageException(RejectReason.MALFORMED, "negative step " + step);
        }
        if (secret != null) {
            if (macBytes == 0) {
                throw new RejectedMessageException(RejectReason.UNAUTHENTICATED, "message from sender " + sender
                        + " carries no HMAC but a secret is configured");
            }
            byte[] expected = mac(secret, nonce, bytes, HEADER + length);
            byte[] got = java.util.Arrays.copyOfRange(bytes, HEADER + length, HEADER + length + MAC_BYTES);
            if (!MessageDigest.isEqual(expected, got)) {
                throw new RejectedMessageException(RejectReason.UNAUTHENTICATED, "HMAC of the message from sender " + sender
                        + " does not verify (another secret, or a frame of another job or trial?)");
            }
        }
        byte[] payload = java.util.Arrays.copyOfRange(bytes, HEADER, HEADER + length);
        return new PsMessage(type, sender, step, (flags & FLAG_LAST) != 0, payload);
    }

    private static byte[] mac(byte[] key, byte[] nonce, byte[] data, int length) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            mac.update(nonce);
            mac.update(data, 0, length);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(HMAC + " is not available in this JVM", e);
        }
    }
}
