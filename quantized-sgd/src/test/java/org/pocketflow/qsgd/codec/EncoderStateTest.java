package org.pocketflow.qsgd.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.pocketflow.qsgd.EncoderState;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;

/** An encoder restored from another's snapshot continues its messages byte for byte. */
class EncoderStateTest {
    private static final long SEED = 77;

    private static float[] gradient(Random r, int n) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) r.nextGaussian();
        }
        return g;
    }

    private static void assertRestoredContinuesExactly(GradientCodec codec) {
        Random r = new Random(3);
        GradientEncoder original = codec.newEncoder(SEED);
        for (int i = 0; i < 5; i++) {
            original.encode(gradient(r, 1000));
        }
        EncoderState state = original.snapshot();
        assertEquals(5, state.messagesEncoded());
        GradientEncoder restored = codec.newEncoder(SEED);
        restored.restore(state);
        assertEquals(state, restored.snapshot());
        for (int i = 0; i < 3; i++) {
            float[] g = gradient(r, 1000);
            assertArrayEquals(original.encode(g).bytes(), restored.encode(g).bytes(), codec.id() + " message " + (5 + i));
        }
    }

    @Test
    void restoredEncodersOfEveryCodecContinueByteForByte() {
        for (GradientCodec codec : new GradientCodec[] {new EcqCodec(), new SignEfCodec(), new ThresholdCodec(), new QsgdCodec(),
                new TernGradCodec(), new IdentityCodec()}) {
            assertRestoredContinuesExactly(codec);
        }
    }

    @Test
    void aFreshEcqEncoderDoesNotContinueWithoutTheState() {
        Random r = new Random(3);
        GradientCodec codec = new EcqCodec();
        GradientEncoder original = codec.newEncoder(SEED);
        for (int i = 0; i < 5; i++) {
            original.encode(gradient(r, 1000));
        }
        float[] g = gradient(r, 1000);
        assertFalse(Arrays.equals(original.encode(g).bytes(), codec.newEncoder(SEED).encode(g).bytes()),
                "the residual and the message count change the next message");
    }

    @Test
    void restoreRefusesAUsedEncoderAndAResidualTheCodecDoesNotKeep() {
        GradientEncoder used = new EcqCodec().newEncoder(SEED);
        used.encode(new float[] {1, 2, 3});
        EncoderState state = used.snapshot();
        assertThrows(IllegalStateException.class, () -> used.restore(state));
        assertThrows(IllegalArgumentException.class, () -> new QsgdCodec().newEncoder(SEED).restore(state));
    }
}
