package org.pocketflow.qsgd.ps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.pocketflow.qsgd.codec.EcqCodec;
import org.pocketflow.qsgd.codec.EcqParams;
import org.pocketflow.qsgd.codec.LevelCoding;

/** The auto choice's model on LeNet-sized messages: each codec wins where it should. */
class CodecChoiceTest {

    private static final long N = 431_080;

    /** fp32, ECQ fixed width (fast, 15.5x) and ECQ run-length (slower, 22x), with two workers computing 20 ms a step. */
    private static CodecChoice choose(double mbit) {
        List<CodecChoice.Option> options = List.of(
                new CodecChoice.Option(null, 4 * N, 0, 0, 0),
                new CodecChoice.Option(new EcqCodec(), 111_180, 500_000, 100_000, 0),
                new CodecChoice.Option(new EcqCodec(EcqParams.defaults().withCoding(LevelCoding.RUN_LENGTH)), 77_532,
                        1_500_000, 1_500_000, 0));
        double rate = mbit * 1e6 / 8;
        return CodecChoice.choose(new double[] {20e6, 20e6}, new double[] {rate, rate}, options);
    }

    @Test
    void fastLinksKeepFp32() {
        CodecChoice c = choose(80_000);
        assertEquals("fp32", c.chosen().name(), c.describe());
        assertTrue(c.describe().startsWith("codec auto chose fp32: compute 20.0 20.0 ms/step, links 80,000 80,000 Mbit/s;"),
                c.describe());
    }

    @Test
    void aGigabitLinkTakesTheFastCodec() {
        CodecChoice c = choose(1_000);
        assertEquals("ecq", c.chosen().name(), c.describe());
        // fp32: two 13.8 ms sends by the server, then one worker's 20 ms compute and 13.8 ms send back
        assertEquals(2 * 13.7946 + 20 + 13.7946, c.options().get(0).predictedMillis(), 1e-3);
    }

    @Test
    void aSlowLinkTakesTheSmallestMessage() {
        CodecChoice c = choose(50);
        assertEquals("ecq-rl", c.chosen().name(), c.describe());
    }

    @Test
    void oneNumberPerWorkerIsRequired() {
        assertThrows(IllegalArgumentException.class, () -> CodecChoice.choose(new double[] {1}, new double[0], List.of()));
    }
}
