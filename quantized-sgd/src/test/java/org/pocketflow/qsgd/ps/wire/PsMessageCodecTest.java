package org.pocketflow.qsgd.ps.wire;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PsMessageCodecTest {
    private static final byte[] KEY = "k".repeat(32).getBytes(StandardCharsets.UTF_8);
    private static final PsMessage MSG = new PsMessage(MessageType.GRADIENT, 2, 17, false, new byte[] {5, 6, 7, 8, 9});

    private static RejectReason reason(PsMessageCodec codec, byte[] bytes) {
        return assertThrows(RejectedMessageException.class, () -> codec.decode(bytes)).reason();
    }

    @Test
    void roundTripsWithAndWithoutSecret() throws RejectedMessageException {
        assertEquals(MSG, new PsMessageCodec().decode(new PsMessageCodec().encode(MSG)));
        PsMessage last = new PsMessage(MessageType.PARAMS, PsMessage.SERVER, 3, true, new byte[0]);
        assertEquals(last, new PsMessageCodec(KEY).decode(new PsMessageCodec(KEY).encode(last)));
    }

    @Test
    void everySingleBitFlipIsRejected() {
        byte[] good = new PsMessageCodec(KEY).encode(MSG);
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 200; i++) {
            byte[] bad = good.clone();
            bad[r.nextInt(bad.length)] ^= (byte) (1 << r.nextInt(8));
            assertEquals(RejectReason.BAD_CHECKSUM, reason(new PsMessageCodec(KEY), bad));
        }
    }

    @Test
    void rejectsMissingOrWrongHmacWhenASecretIsSet() {
        assertEquals(RejectReason.UNAUTHENTICATED, reason(new PsMessageCodec(KEY), new PsMessageCodec().encode(MSG)));
        byte[] other = "other".getBytes(StandardCharsets.UTF_8);
        assertEquals(RejectReason.UNAUTHENTICATED, reason(new PsMessageCodec(KEY), new PsMessageCodec(other).encode(MSG)));
    }

    @Test
    void rejectsTruncatedAndForeignBytes() {
        byte[] good = new PsMessageCodec().encode(MSG);
        assertEquals(RejectReason.MALFORMED, reason(new PsMessageCodec(), java.util.Arrays.copyOf(good, 10)));
        assertEquals(RejectReason.BAD_CHECKSUM, reason(new PsMessageCodec(), java.util.Arrays.copyOf(good, good.length - 1)));
    }
}
