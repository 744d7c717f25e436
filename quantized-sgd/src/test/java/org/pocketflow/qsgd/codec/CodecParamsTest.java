package org.pocketflow.qsgd.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pocketflow.qsgd.GradientCodec;

class CodecParamsTest {

    @ParameterizedTest
    @MethodSource("org.pocketflow.qsgd.codec.CodecCase#cases")
    void codecsSurviveJavaSerializationForSparkClosures(CodecCase c) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(c.codec());
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            GradientCodec back = (GradientCodec) in.readObject();
            assertEquals(c.codec(), back);
            float[] g = CodecCase.gaussian(1, 300, 1.0);
            assertEquals(c.codec().newEncoder(3).encode(g), back.newEncoder(3).encode(g));
        }
    }

    @ParameterizedTest
    @MethodSource("org.pocketflow.qsgd.codec.CodecCase#cases")
    void parametersWriteExactlyTheirDeclaredSize(CodecCase c) {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        c.codec().params().writeTo(b);
        assertEquals(c.codec().params().wireSize(), b.position());
    }

    @Test
    void rejectsBucketSizesThatAreNotWordAligned() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new EcqParams(100, 1, BucketNorm.LINF, LevelCoding.FIXED_WIDTH, 0.5f, 1f));
        assertTrue(e.getMessage().contains("ecq.bucketSize") && e.getMessage().contains("100")
                && e.getMessage().contains("multiple of 64"), e.getMessage());
    }

    @Test
    void rejectsOutOfRangeValuesNamingTheParameterAndRange() {
        assertMessage(() -> new EcqParams(512, 0, BucketNorm.LINF, LevelCoding.FIXED_WIDTH, 0.5f, 1f), "ecq.levels", "0");
        assertMessage(() -> new EcqParams(512, 1, BucketNorm.LINF, LevelCoding.FIXED_WIDTH, 1.5f, 1f), "ecq.alpha", "1.5");
        assertMessage(() -> new EcqParams(512, 1, BucketNorm.LINF, LevelCoding.FIXED_WIDTH, 0.5f, Float.NaN), "ecq.beta", "NaN");
        assertMessage(() -> new QsgdParams(512, 40000, BucketNorm.L2, LevelCoding.FIXED_WIDTH), "qsgd.levels", "40000");
        assertMessage(() -> new TernGradParams(512, -1f), "terngrad.clipSigmas", "-1.0");
        assertMessage(() -> new SignEfParams(32), "signef.bucketSize", "32");
        assertMessage(() -> ThresholdParams.fixedThreshold(0f), "τ", "0.0");
        assertMessage(() -> ThresholdParams.topDensity(2f), "density", "2.0");
        assertMessage(() -> new QsgdParams(512, 3, null, LevelCoding.FIXED_WIDTH), "qsgd.norm", "null");
    }

    private static void assertMessage(Runnable r, String... words) {
        var e = assertThrows(IllegalArgumentException.class, r::run);
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "'" + w + "' missing from: " + e.getMessage());
        }
    }
}
