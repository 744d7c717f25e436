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
        return choose(mbit, null);
    }

    private static CodecChoice choose(double mbit, CodecChoice.Calibration calibration) {
        List<CodecChoice.Option> options = List.of(
                new CodecChoice.Option(null, 4 * N, 0, 0, 0),
                new CodecChoice.Option(new EcqCodec(), 111_180, 500_000, 100_000, 0),
                new CodecChoice.Option(new EcqCodec(EcqParams.defaults().withCoding(LevelCoding.RUN_LENGTH)), 77_532,
                        1_500_000, 1_500_000, 0));
        double rate = mbit * 1e6 / 8;
        return CodecChoice.choose(new double[] {20e6, 20e6}, new double[] {rate, rate}, options, calibration);
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
    void compressionMustBeatFp32ByTheMargin() {
        double rate = 1e9;
        CodecChoice.Option fp32 = new CodecChoice.Option(null, 4 * N, 0, 0, 0);
        // fp32: 3 sends of 1.72 ms and 20 ms of compute, 25.2 ms; ECQ's 23.0 ms is 9% shorter, under the 10% margin
        CodecChoice close = CodecChoice.choose(new double[] {20e6, 20e6}, new double[] {rate, rate},
                List.of(fp32, new CodecChoice.Option(new EcqCodec(), 100_000, 800_000, 100_000, 0)));
        assertEquals("fp32", close.chosen().name(), close.describe());
        CodecChoice clear = CodecChoice.choose(new double[] {20e6, 20e6}, new double[] {rate, rate},
                List.of(fp32, new CodecChoice.Option(new EcqCodec(), 100_000, 200_000, 50_000, 0)));
        assertEquals("ecq", clear.chosen().name(), clear.describe());
    }

    @Test
    void theDecisionNamesItsCalibration() {
        CodecChoice c = CodecChoice.choose(new double[] {20e6}, new double[] {1e9}, List.of(new CodecChoice.Option(null, 4 * N, 0, 0, 0)),
                new CodecChoice.Calibration("ecq-rl", 4, 23.4, 1.5));
        assertTrue(c.describe().endsWith("; calibrated on ecq-rl over 4 steps, measured 23.4 ms/step, codec times x1.50 for the load"),
                c.describe());
    }

    @Test
    void aConfirmationGoesBackToCompressedOnlyWhenItMeasuredClearlyShorter() {
        CodecChoice model = choose(80_000, new CodecChoice.Calibration("ecq-rl", 4, 60.0, 1.0));
        assertEquals("fp32", model.chosen().name(), model.describe());
        // ECQ fixed width was not run: its prediction scaled by run-length ECQ's 40 ms, measured among the fp32 steps
        // (not its 60 ms of the first steps), over its predicted step
        double ecq = model.options().get(1).predictedMillis() * 40.0 / model.options().get(2).predictedMillis();
        assertTrue(ecq < 40.0, "fixed width predicts the shorter step here: " + model.describe());

        CodecChoice kept = model.confirmed(4, ecq / 0.96, 40.0);
        assertEquals("fp32", kept.chosen().name(), "4% shorter is within the noise: " + kept.describe());
        CodecChoice back = model.confirmed(4, ecq / 0.94, 40.0);
        assertEquals("ecq", back.chosen().name(), "6% shorter is taken: " + back.describe());
        assertEquals(40.0, back.confirmation().compressedMillis()[1], 1e-9, "the calibration codec's step is the measured one");
        assertTrue(back.describe().startsWith("codec auto chose ecq: "), back.describe());
        assertTrue(back.describe().endsWith(String.format(java.util.Locale.ROOT, "; model chose fp32, then 4 fp32 steps alternating"
                + " with 4 ecq-rl steps measured fp32 %.1f ms/step against ecq %.1f ms/step (predicted, rescaled), ecq-rl 40.0 ms/step (measured)", ecq / 0.94, ecq)),
                back.describe());

        assertThrows(IllegalStateException.class, () -> choose(50, new CodecChoice.Calibration("ecq-rl", 4, 40.0, 1.0))
                .confirmed(4, 100, 40), "only a choice of fp32 is confirmed");
        assertThrows(IllegalStateException.class, () -> choose(80_000).confirmed(4, 100, 40), "and only a calibrated one");
    }

    @Test
    void oneNumberPerWorkerIsRequired() {
        assertThrows(IllegalArgumentException.class, () -> CodecChoice.choose(new double[] {1}, new double[0], List.of()));
    }
}
