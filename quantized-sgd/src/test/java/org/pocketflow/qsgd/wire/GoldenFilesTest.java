package org.pocketflow.qsgd.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.codec.CodecCase;

/**
 * Freezes wire format version 2 and keeps version 1 readable. For each codec configuration,
 * {@code golden/<case>-<step>.bin} holds the message an encoder seeded with {@link #SEED} produced
 * at steps 0 and 1 for the inputs {@code golden/input-<step>.f32}, and {@code golden/<case>-<step>.f32}
 * the values it decoded to. Today's code must decode the files to those values and re-encode the
 * inputs to the same bytes. {@code golden/v1/} holds the version-1 files, written by the version-1
 * encoder from the same inputs; today's code must still decode them to their recorded values.
 *
 * <p>The files change only with a new format version (and then the old ones move to a folder of
 * their version, read by the old version's reader). To write the current version's:
 * {@code mvn -o -q -pl quantized-sgd test -Dtest=GoldenFilesTest -Dqsgd.golden.write=true}.
 */
class GoldenFilesTest {

    static final long SEED = 20180710L;
    static final int N = 1000;
    static final int STEPS = 2;
    private static final String CASES = "org.pocketflow.qsgd.codec.CodecCase#cases";
    /** The cases whose payload layout differs between versions 1 and 2. */
    private static final Set<String> CHANGED_IN_VERSION_2 = Set.of("ecq-rl");

    @ParameterizedTest
    @MethodSource(CASES)
    void goldenMessagesDecodeToTheirRecordedValues(CodecCase c) {
        for (int step = 0; step < STEPS; step++) {
            EncodedGradient m = new EncodedGradient(resource(c.name() + "-" + step + ".bin"));
            Frame f = WireFormat.open(m);
            assertEquals(WireFormat.VERSION, m.bytes()[4]);
            assertEquals(c.codec().id(), f.codecId());
            float[] out = new float[N];
            c.codec().decode(m, out);
            assertArrayEquals(floats(resource(c.name() + "-" + step + ".f32")), out, c + " step " + step);
        }
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void versionOneMessagesStillDecodeToTheirRecordedValues(CodecCase c) {
        for (int step = 0; step < STEPS; step++) {
            EncodedGradient m = new EncodedGradient(resource("v1/" + c.name() + "-" + step + ".bin"));
            assertEquals(1, m.bytes()[4]);
            float[] out = new float[N];
            c.codec().decode(m, out);
            assertArrayEquals(floats(resource("v1/" + c.name() + "-" + step + ".f32")), out, c + " step " + step);
        }
    }

    /**
     * Version 2 changed only the run-length coding of s = 1 levels: every other message is version
     * 1's with another version byte and checksum, and every message decodes to the same values.
     */
    @ParameterizedTest
    @MethodSource(CASES)
    void versionTwoChangedOnlyTernaryRunLengthPayloads(CodecCase c) {
        for (int step = 0; step < STEPS; step++) {
            String name = c.name() + "-" + step;
            assertArrayEquals(floats(resource("v1/" + name + ".f32")), floats(resource(name + ".f32")), name);
            byte[] v1 = resource("v1/" + name + ".bin");
            byte[] v2 = resource(name + ".bin");
            if (!CHANGED_IN_VERSION_2.contains(c.name())) {
                v1[4] = 2;
                assertArrayEquals(Arrays.copyOf(v1, v1.length - WireFormat.CHECKSUM_BYTES),
                        Arrays.copyOf(v2, v2.length - WireFormat.CHECKSUM_BYTES), name);
            }
        }
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void reencodingTheGoldenInputsGivesByteIdenticalMessages(CodecCase c) {
        GradientEncoder e = c.codec().newEncoder(SEED);
        for (int step = 0; step < STEPS; step++) {
            byte[] expected = resource(c.name() + "-" + step + ".bin");
            byte[] actual = e.encode(input(step)).bytes();
            assertArrayEquals(expected, actual, c + " step " + step + ": the encoder's output changed;"
                    + " a format change needs a new version, not new golden files");
        }
    }

    @ParameterizedTest
    @MethodSource(CASES)
    void firstGoldenMessageIsWithinTheCodecsBound(CodecCase c) {
        float[] g = input(0);
        float[] decoded = floats(resource(c.name() + "-0.f32"));
        float[] bound = c.bound().apply(g);
        for (int i = 0; i < N; i++) {
            assertTrue(Math.abs(g[i] - decoded[i]) <= bound[i], c + " element " + i);
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "qsgd.golden.write", matches = "true")
    void writeGoldenFiles() throws IOException {
        Path dir = Path.of(System.getProperty("pf.repo.root", "."), "quantized-sgd/src/test/resources/golden");
        Files.createDirectories(dir);
        for (int step = 0; step < STEPS; step++) {
            Files.write(dir.resolve("input-" + step + ".f32"), bytes(CodecCase.gaussian(1000 + step, N, 1.0)));
        }
        for (CodecCase c : CodecCase.all()) {
            GradientEncoder e = c.codec().newEncoder(SEED);
            for (int step = 0; step < STEPS; step++) {
                EncodedGradient m = e.encode(floats(Files.readAllBytes(dir.resolve("input-" + step + ".f32"))));
                float[] out = new float[N];
                c.codec().decode(m, out);
                Files.write(dir.resolve(c.name() + "-" + step + ".bin"), m.bytes());
                Files.write(dir.resolve(c.name() + "-" + step + ".f32"), bytes(out));
            }
        }
    }

    private static float[] input(int step) {
        return floats(resource("input-" + step + ".f32"));
    }

    private static byte[] resource(String name) {
        try (InputStream in = GoldenFilesTest.class.getResourceAsStream("/golden/" + name)) {
            assertNotNull(in, "missing golden file " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    private static byte[] bytes(float[] f) {
        ByteBuffer b = ByteBuffer.allocate(4 * f.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(f);
        return b.array();
    }
}
