package org.pocketflow.qsgd.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pocketflow.qsgd.CorruptMessageException;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.wire.WireFormat;

/** The contract of {@link GradientCodec}, run by every codec configuration in {@link CodecCase#all()}. */
class GradientCodecContractTest {

    private static final String CASES = "org.pocketflow.qsgd.codec.CodecCase#cases";

    @ParameterizedTest
    @MethodSource(CASES)
    void roundTripStaysWithinDocumentedBound(CodecCase c) {
        for (int n : new int[] {0, 1, 63, 64, 65, 513, 1000, 4096}) {
            float[] g = CodecCase.gaussian(n, n, 1.0);
            float[] out = new float[n];
            c.codec().decode(c.codec().newEncoder(7).encode(g), out);
            float[] bound = c.bound().apply(g);
            for (int i = 0; i < n; i++) {
                float err = Math.abs(g[i] - out[i]);
                assertTrue(err <= bound[i], c + " n=" + n + " element " + i + ": |" + g[i] + " - " + out[i]
                        + "| = " + err + " > bound " + bound[i]);
            }
        }
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void decodeAddAddsExactlyWhatDecodeWrites(CodecCase c) {
        float[] g = CodecCase.gaussian(1, 1500, 2.0);
        EncodedGradient m = c.codec().newEncoder(3).encode(g);
        float[] decoded = new float[g.length];
        c.codec().decode(m, decoded);
        float[] acc = CodecCase.gaussian(2, g.length, 1.0);
        float[] expected = acc.clone();
        for (int i = 0; i < expected.length; i++) {
            expected[i] += decoded[i];
        }
        c.codec().decodeAdd(m, acc);
        assertArrayEquals(expected, acc);
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void sameSeedGivesIdenticalMessages(CodecCase c) {
        GradientEncoder a = c.codec().newEncoder(11);
        GradientEncoder b = c.codec().newEncoder(11);
        for (int step = 0; step < 4; step++) {
            float[] g = CodecCase.gaussian(100 + step, 2000, 1.0);
            assertEquals(a.encode(g), b.encode(g), c + " step " + step);
        }
        assertEquals(4, a.messagesEncoded());
        assertArrayEquals(a.residual(), b.residual());
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void differentSeedsGiveDifferentMessagesExactlyWhenTheCodecIsStochastic(CodecCase c) {
        float[] g = CodecCase.gaussian(5, 2000, 1.0);
        EncodedGradient a = c.codec().newEncoder(11).encode(g);
        EncodedGradient b = c.codec().newEncoder(12).encode(g);
        if (c.stochastic()) {
            assertNotEquals(a, b, c + " ignores its seed");
        } else {
            assertEquals(a, b, c + " is documented as deterministic");
        }
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void successiveMessagesOfOneEncoderUseFreshRandomness(CodecCase c) {
        if (!c.stochastic() || c.feedback()) {
            return;
        }
        GradientEncoder e = c.codec().newEncoder(11);
        float[] g = CodecCase.gaussian(5, 2000, 1.0);
        assertNotEquals(e.encode(g), e.encode(g));
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void residualOfAFreshEncoderIsWhatTheFirstMessageLeftOut(CodecCase c) {
        float[] g = CodecCase.gaussian(9, 1000, 1.0);
        GradientEncoder e = c.codec().newEncoder(4);
        assertEquals(0, e.residual().length, "no residual before the first message");
        float[] out = new float[g.length];
        c.codec().decode(e.encode(g), out);
        float[] h = e.residual();
        if (!c.feedback()) {
            assertEquals(0, h.length, c + " keeps no residual");
            return;
        }
        for (int i = 0; i < g.length; i++) {
            assertEquals(g[i] - out[i], h[i], 0f, c + " element " + i);
        }
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void messageDescribesItselfAndTheCatalogRebuildsTheCodec(CodecCase c) {
        float[] g = CodecCase.gaussian(3, 777, 1.0);
        EncodedGradient m = c.codec().newEncoder(1).encode(g);
        var frame = WireFormat.open(m);
        assertEquals(c.codec().id(), frame.codecId());
        assertEquals(777, frame.elementCount());
        assertEquals(m.sizeBytes(), WireFormat.HEADER_BYTES + frame.paramsLength() + frame.payloadLength()
                + WireFormat.CHECKSUM_BYTES);
        GradientCodec rebuilt = CodecCatalog.forMessage(m);
        assertEquals(c.codec(), rebuilt);
        float[] a = new float[777];
        float[] b = new float[777];
        c.codec().decode(m, a);
        rebuilt.decode(m, b);
        assertArrayEquals(a, b);
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void rejectsMessagesOfAnotherCodecOrOtherParameters(CodecCase c) {
        float[] g = CodecCase.gaussian(3, 600, 1.0);
        for (CodecCase other : CodecCase.all()) {
            if (other.codec().equals(c.codec())) {
                continue;
            }
            EncodedGradient m = other.codec().newEncoder(1).encode(g);
            float[] acc = new float[600];
            var e = assertThrows(CorruptMessageException.class, () -> c.codec().decodeAdd(m, acc), other.name());
            assertEquals(CorruptMessageException.Reason.CODEC_MISMATCH, e.reason());
            assertTrue(e.getMessage().contains(other.codec().id().name()), e.getMessage());
            assertArrayEquals(new float[600], acc);
        }
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void rejectsATargetOfTheWrongLength(CodecCase c) {
        EncodedGradient m = c.codec().newEncoder(1).encode(new float[100]);
        var e = assertThrows(IllegalArgumentException.class, () -> c.codec().decode(m, new float[99]));
        assertTrue(e.getMessage().contains("100") && e.getMessage().contains("99"), e.getMessage());
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void encoderRejectsAGradientOfAnotherLength(CodecCase c) {
        GradientEncoder e = c.codec().newEncoder(1);
        e.encode(new float[128]);
        var ex = assertThrows(IllegalArgumentException.class, () -> e.encode(new float[129]));
        assertTrue(ex.getMessage().contains("128") && ex.getMessage().contains("129"), ex.getMessage());
        e.encode(new float[128]);
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void scalingCodecsRejectNonFiniteGradientsAndThenRefuseFurtherUse(CodecCase c) {
        if (c.codec() instanceof IdentityCodec) {
            return; // fp32 carries NaN like any other value
        }
        GradientEncoder e = c.codec().newEncoder(1);
        float[] g = CodecCase.gaussian(1, 700, 1.0);
        g[600] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> e.encode(g));
        g[600] = 0;
        assertThrows(IllegalStateException.class, () -> e.encode(g));
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void inputGradientIsOnlyRead(CodecCase c) {
        float[] g = CodecCase.gaussian(8, 900, 1.0);
        float[] copy = g.clone();
        GradientEncoder e = c.codec().newEncoder(1);
        e.encode(g);
        e.encode(g);
        assertArrayEquals(copy, g);
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void compressesAtLeastAsWellAsFp32(CodecCase c) {
        float[] g = CodecCase.gaussian(8, 100_000, 1.0);
        EncodedGradient m = c.codec().newEncoder(1).encode(g);
        assertFalse(m.sizeBytes() > 4 * g.length + 64, c + ": " + m.sizeBytes() + " bytes");
        if (!(c.codec() instanceof IdentityCodec)) {
            assertTrue(m.sizeBytes() < g.length, c + " should need under 8 bits per element, got "
                    + 8.0 * m.sizeBytes() / g.length);
        }
    }
}
