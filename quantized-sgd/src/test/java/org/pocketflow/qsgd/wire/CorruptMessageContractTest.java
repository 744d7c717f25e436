package org.pocketflow.qsgd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pocketflow.qsgd.CorruptMessageException.Reason.BAD_CHECKSUM;
import static org.pocketflow.qsgd.CorruptMessageException.Reason.BAD_MAGIC;
import static org.pocketflow.qsgd.CorruptMessageException.Reason.BAD_PARAMETERS;
import static org.pocketflow.qsgd.CorruptMessageException.Reason.TRUNCATED;
import static org.pocketflow.qsgd.CorruptMessageException.Reason.UNKNOWN_CODEC;
import static org.pocketflow.qsgd.CorruptMessageException.Reason.UNSUPPORTED_VERSION;
import static org.pocketflow.qsgd.CorruptMessageException.Reason.WRONG_LENGTH;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pocketflow.qsgd.CorruptMessageException;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.codec.CodecCase;
import org.pocketflow.qsgd.kernel.LittleEndian;

/**
 * Every codec rejects every kind of damaged message with a {@link CorruptMessageException} that
 * names the problem, and leaves the accumulator untouched.
 */
class CorruptMessageContractTest {

    private static final String CASES = "org.pocketflow.qsgd.codec.CodecCase#cases";
    private static final int N = 1000;

    private static byte[] message(CodecCase c) {
        return c.codec().newEncoder(5).encode(CodecCase.gaussian(1, N, 1.0)).bytes().clone();
    }

    /** Decodes {@code bytes} into an accumulator and checks the failure and that nothing was written. */
    private static CorruptMessageException rejects(CodecCase c, byte[] bytes, CorruptMessageException.Reason reason,
                                                   String... words) {
        float[] acc = CodecCase.gaussian(2, N, 1.0);
        float[] before = acc.clone();
        var e = assertThrows(CorruptMessageException.class,
                () -> c.codec().decodeAdd(new EncodedGradient(bytes), acc));
        assertEquals(reason, e.reason(), e.getMessage());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "'" + w + "' missing from: " + e.getMessage());
        }
        assertArrayEquals(before, acc, "nothing may be applied from a corrupt message");
        return e;
    }

    /** Edits a message and recomputes its checksum, as a forger (or a buggy encoder) would. */
    private static byte[] resealed(byte[] m, UnaryOperator<byte[]> edit) {
        byte[] edited = edit.apply(m.clone());
        return WireFormat.seal(edited).bytes();
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void rejectsWrongMagic(CodecCase c) {
        byte[] m = message(c);
        m[0] = 'X';
        rejects(c, m, BAD_MAGIC, "magic", "PFQG");
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void rejectsUnsupportedVersion(CodecCase c) {
        byte[] m = message(c);
        m[4] = 3;
        rejects(c, m, UNSUPPORTED_VERSION, "version 3", "reads versions 1 to 2");
        m[4] = 0;
        rejects(c, m, UNSUPPORTED_VERSION, "version 0");
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void rejectsUnknownCodecId(CodecCase c) {
        byte[] m = message(c);
        m[5] = 0x7F;
        rejects(c, m, UNKNOWN_CODEC, "codec id 127", "ECQ");
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void rejectsTruncatedMessages(CodecCase c) {
        byte[] m = message(c);
        rejects(c, Arrays.copyOf(m, m.length - 1), TRUNCATED, "announces");
        rejects(c, Arrays.copyOf(m, 19), TRUNCATED, "smallest valid message");
        rejects(c, new byte[0], TRUNCATED);
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void rejectsTrailingBytesAndWrongLengthFields(CodecCase c) {
        byte[] m = message(c);
        rejects(c, Arrays.copyOf(m, m.length + 3), WRONG_LENGTH, "trailing");
        byte[] longer = m.clone();
        LittleEndian.putInt(longer, 12, LittleEndian.getInt(m, 12) + 8);
        rejects(c, longer, TRUNCATED, "payload");
        byte[] negative = m.clone();
        LittleEndian.putInt(negative, 8, -1);
        rejects(c, negative, WRONG_LENGTH, "negative");
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void rejectsAnyFlippedBitThroughTheChecksum(CodecCase c) {
        byte[] m = message(c);
        int payload = WireFormat.HEADER_BYTES + (m[6] & 0xFF);
        for (int bit : new int[] {8 * payload, 8 * (m.length - 5) + 7, 8 * (m.length / 2) + 3, 8 * (m.length - 1)}) {
            byte[] flipped = m.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            rejects(c, flipped, BAD_CHECKSUM, "CRC32C");
        }
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void rejectsAPayloadLengthThatDoesNotFitTheCodec(CodecCase c) {
        byte[] m = message(c);
        byte[] shorter = resealed(m, b -> {
            byte[] cut = Arrays.copyOf(b, b.length - 8);
            LittleEndian.putInt(cut, 12, LittleEndian.getInt(b, 12) - 8);
            return cut;
        });
        var e = assertThrows(CorruptMessageException.class,
                () -> c.codec().decode(new EncodedGradient(shorter), new float[N]));
        assertTrue(e.reason() == WRONG_LENGTH || e.reason() == CorruptMessageException.Reason.BAD_PAYLOAD,
                e.getMessage());
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void rejectsParametersOutOfRange(CodecCase c) {
        byte[] m = message(c);
        int p = m[6] & 0xFF;
        if (p == 0) {
            return; // identity has no parameters
        }
        // every parameter record starts with a field whose all-ones value is out of range
        byte[] bad = resealed(m, b -> {
            Arrays.fill(b, WireFormat.HEADER_BYTES, WireFormat.HEADER_BYTES + 4, (byte) 0xFF);
            return b;
        });
        rejects(c, bad, BAD_PARAMETERS, "must be");
        byte[] shortParams = resealed(m, b -> {
            b[6] = (byte) (p - 1);
            LittleEndian.putInt(b, 12, LittleEndian.getInt(b, 12) + 1);
            return b;
        });
        rejects(c, shortParams, BAD_PARAMETERS, "too short");
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void forgedPayloadsFailOnlyWithCorruptMessageAndNeverHalfWay(CodecCase c) {
        byte[] m = message(c);
        int from = WireFormat.HEADER_BYTES + (m[6] & 0xFF);
        int to = m.length - WireFormat.CHECKSUM_BYTES;
        SplittableRandom r = new SplittableRandom(99);
        for (int trial = 0; trial < 300; trial++) {
            int flips = 1 + trial % 4;
            byte[] forged = resealed(m, b -> {
                for (int f = 0; f < flips; f++) {
                    int at = r.nextInt(from, to);
                    b[at] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            });
            float[] acc = CodecCase.gaussian(3, N, 1.0);
            float[] before = acc.clone();
            try {
                c.codec().decodeAdd(new EncodedGradient(forged), acc);
            } catch (CorruptMessageException e) {
                assertArrayEquals(before, acc, c + " trial " + trial + " wrote before failing: " + e.getMessage());
            }
        }
    }
}
