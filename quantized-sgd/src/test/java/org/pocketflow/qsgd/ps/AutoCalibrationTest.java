package org.pocketflow.qsgd.ps;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.codec.EcqCodec;
import org.pocketflow.qsgd.codec.EcqParams;
import org.pocketflow.qsgd.codec.LevelCoding;
import org.pocketflow.qsgd.ps.wire.MessageType;
import org.pocketflow.qsgd.ps.wire.PsMessage;

/**
 * The auto downlink's calibration without a network: {@link Downlink} fed the send and arrival
 * times of a simulated link (one interface on the server shared by both workers, each worker on
 * its own link of the same rate, 30 ms of compute), its messages applied by {@link DownlinkReceiver}s.
 * A message can cost its receiver more than its bytes on the link (assembly, checks, copies, codec
 * work): such costs delay the arrivals but not the ends of the sends, like a transport whose send
 * returns once the bytes are buffered.
 */
class AutoCalibrationTest {
    private static final GradientCodec ECQ = new EcqCodec();
    private static final GradientCodec ECQ_RL = new EcqCodec(EcqParams.defaults().withCoding(LevelCoding.RUN_LENGTH));
    private static final int N = 100_000;
    private static final int WORKERS = 2;
    private static final long COMPUTE_NANOS = 30_000_000L;
    private static final int CAL = DownlinkPolicy.DEFAULT_CALIBRATION_STEPS;

    /**
     * What a simulated run left: the downlink, the codec each worker answered in at the last step
     * (fp32 after a full copy), the message types per step and the step times.
     */
    private record Run(Downlink down, List<String> codecs, List<List<MessageType>> types, List<Double> stepNanos) {
    }

    private static Run run(double mbit, int steps) {
        return run(List.of(ECQ, ECQ_RL), mbit, steps, 0, 0);
    }

    /**
     * @param candidates the auto policy's compressed codecs, the calibration codec last
     * @param fp32ExtraNanos what each fp32 message (full copy or gradient) costs its receiver beyond its bytes
     * @param compressedExtraNanos the same for each compressed one
     */
    private static Run run(List<GradientCodec> candidates, double mbit, int steps, long fp32ExtraNanos, long compressedExtraNanos) {
        Downlink down = new Downlink(DownlinkPolicy.auto(candidates, DownlinkPolicy.DEFAULT_DRIFT_FACTOR), WORKERS);
        DownlinkReceiver[] workers = new DownlinkReceiver[WORKERS];
        for (int w = 0; w < WORKERS; w++) {
            workers[w] = new DownlinkReceiver();
        }
        double bytesPerNano = mbit * 1e6 / 8 / 1e9;
        SplittableRandom r = new SplittableRandom(11);
        float[] theta = new float[N];
        for (int i = 0; i < N; i++) {
            theta[i] = (float) (r.nextGaussian() * 0.1);
        }
        List<List<MessageType>> types = new ArrayList<>();
        List<Double> stepNanos = new ArrayList<>();
        long now = 1_000_000_000L;
        long interfaceFree = 0;
        long lastStepEnd = 0;
        for (long step = 0; step < steps; step++) {
            List<MessageType> sent = new ArrayList<>();
            long roundEnd = now;
            for (int w = 0; w < WORKERS; w++) {
                PsMessage m = down.message(w, theta, step, false, step == 0);
                sent.add(m.type());
                if (m.type() == MessageType.PARAMS) {
                    workers[w].full(m.payload());
                } else {
                    assertNotNull(workers[w].update(m.payload()), "updates follow the copy");
                }
                int bytes = m.payload().length;
                long end = Math.max(now, interfaceFree) + (long) (bytes / bytesPerNano);
                interfaceFree = end;
                down.sent(w, step, bytes, end - now, end);
                // the worker answers in the codec of what it got: fp32 after a full copy
                boolean fp32 = workers[w].codec() == null;
                int gradientBytes = fp32 ? 4 * N : bytes;
                long extra = 2 * (fp32 ? fp32ExtraNanos : compressedExtraNanos);
                long arrival = end + extra + COMPUTE_NANOS + (long) (gradientBytes / bytesPerNano);
                down.arrived(w, step, gradientBytes, arrival);
                roundEnd = Math.max(roundEnd, arrival);
            }
            types.add(sent);
            for (int i = 0; i < N; i++) {
                theta[i] += (float) (r.nextGaussian() * 1e-3);
            }
            now = roundEnd;
            if (lastStepEnd != 0) {
                stepNanos.add((double) (now - lastStepEnd));
            }
            lastStepEnd = now;
            down.afterStep(theta, now);
        }
        List<String> codecs = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            codecs.add(CodecChoice.Option.name(workers[w].codec()));
            PsMessage last = down.message(w, theta, steps, true, false);
            assertEquals(MessageType.PARAMS, last.type(), "the final parameters go out in full");
            assertArrayEquals(theta, workers[w].full(last.payload()), "every worker ends on the server's parameters");
        }
        return new Run(down, codecs, types, stepNanos);
    }

    @Test
    void aSlowLinkCalibratesCompressedAndStaysCompressed() {
        int steps = 2 + DownlinkPolicy.DEFAULT_CALIBRATION_STEPS + 3;
        Run run = run(100, steps);
        String decision = run.down().stats().decision();
        // the second send queues behind the first on the server's one interface; it is not charged for those bytes
        assertTrue(decision.contains("links 100 100 Mbit/s"), decision);
        assertTrue(decision.contains("calibrated on ecq-rl over " + DownlinkPolicy.DEFAULT_CALIBRATION_STEPS + " steps"), decision);
        assertNotEquals("fp32", decision.substring("codec auto chose ".length()).split(":")[0], decision);
        for (int s = 1; s < steps; s++) {
            assertEquals(List.of(MessageType.PARAMS_DELTA, MessageType.PARAMS_DELTA), run.types().get(s),
                    "step " + s + ": no fp32 step, not even while calibrating");
        }
        assertFalse(run.codecs().contains("fp32"), "the workers answer compressed: " + run.codecs());
        assertFalse(decision.contains("real fp32 steps"), "a compressed choice is not confirmed on fp32 steps: " + decision);
    }

    @Test
    void theMeasuredStepIsTheCalibrationStepsMedian() {
        Run run = run(100, 2 + DownlinkPolicy.DEFAULT_CALIBRATION_STEPS);
        String decision = run.down().stats().decision();
        // step times of steps 1 … calibrationSteps (step 0 holds the joins and the first fp32 gradients)
        double[] calibrating = run.stepNanos().subList(0, DownlinkPolicy.DEFAULT_CALIBRATION_STEPS).stream()
                .mapToDouble(Double::doubleValue).sorted().toArray();
        String measured = String.format(Locale.ROOT, "measured %.1f ms/step", calibrating[calibrating.length / 2] / 1e6);
        assertTrue(decision.contains(measured), measured + " in " + decision);
    }

    @Test
    void aFastLinkGoesBackToFp32BothWaysAfterConfirmingItOnRealSteps() {
        int steps = 2 + 3 * CAL + 3;
        // ECQ run-length alone: the simulated clock does not charge the codecs' work, so another candidate's prediction,
        // rescaled by the calibration codec's measured over predicted step, would come out below the 30 ms that it takes
        Run run = run(List.of(ECQ_RL), 1_000_000, steps, 0, 0);
        String decision = run.down().stats().decision();
        assertTrue(decision.startsWith("codec auto chose fp32"), decision);
        // fp32 and the calibration codec measure the same 30 ms: fp32 stays, a compressed step must be 5% shorter
        assertTrue(decision.contains("; model chose fp32, then " + CAL + " fp32 steps alternating with " + CAL
                + " ecq-rl steps measured fp32 30.0 ms/step against ecq-rl 30.0 ms/step (measured)"), decision);
        assertConfirmationSteps(run);
        int confirmedAt = 1 + 3 * CAL;
        for (int s = confirmedAt; s < steps; s++) {
            assertEquals(List.of(MessageType.PARAMS, MessageType.PARAMS), run.types().get(s), "step " + s);
        }
        assertEquals(List.of("fp32", "fp32"), run.codecs(), "after full copies the workers answer in fp32");
        assertEquals(WORKERS * 2L * CAL, run.down().stats().compressedMessages(),
                "only the calibration steps and those that alternated with fp32 went compressed");
    }

    @Test
    void fp32ThatIsReallyFasterIsKept() {
        // compressed messages cost their receivers 5 ms more than their bytes: the calibration codec's steps take 40 ms,
        // fp32's 30 ms
        Run run = run(List.of(ECQ, ECQ_RL), 1_000_000, 2 + 3 * CAL + 3, 0, 5_000_000L);
        String decision = run.down().stats().decision();
        assertTrue(decision.startsWith("codec auto chose fp32"), decision);
        assertTrue(decision.contains("measured 40.0 ms/step, codec times"), decision);
        assertTrue(decision.contains("ecq-rl steps measured fp32 30.0 ms/step against"), decision);
        assertTrue(decision.contains("ecq-rl 40.0 ms/step (measured)"), decision);
        assertEquals(List.of("fp32", "fp32"), run.codecs());
        assertEquals(WORKERS * 2L * CAL, run.down().stats().compressedMessages());
    }

    @Test
    void fp32ThatMeasuresSlowerThanPredictedGoesBackToCompressed() {
        // fp32 messages cost their receivers 20 ms more than their bytes, which the model, fed by compressed steps, cannot see:
        // it predicts fp32, whose real steps then take 70 ms against the calibration codec's 30
        int steps = 2 + 3 * CAL + 4;
        Run run = run(List.of(ECQ, ECQ_RL), 1_000_000, steps, 20_000_000L, 0);
        String decision = run.down().stats().decision();
        assertFalse(decision.startsWith("codec auto chose fp32"), decision);
        assertTrue(decision.contains("; model chose fp32, then " + CAL + " fp32 steps alternating with " + CAL
                + " ecq-rl steps measured fp32 70.0 ms/step against"), decision);
        assertTrue(decision.contains("ecq-rl 30.0 ms/step (measured)"), decision);
        assertTrue(decision.contains("ecq ") && decision.contains("ms/step (predicted, rescaled)"), decision);
        assertConfirmationSteps(run);
        int confirmedAt = 1 + 3 * CAL;
        for (int s = confirmedAt; s < steps; s++) {
            assertEquals(List.of(MessageType.PARAMS_DELTA, MessageType.PARAMS_DELTA), run.types().get(s),
                    "step " + s + ": the replicas go on from the last compressed step");
        }
        assertFalse(run.codecs().contains("fp32"), "the workers answer compressed again: " + run.codecs());
        assertEquals(WORKERS * (long) (2 * CAL + steps - confirmedAt), run.down().stats().compressedMessages());
        assertEquals(30.0, run.stepNanos().get(run.stepNanos().size() - 1) / 1e6, 0.1, "a step takes the compressed 30 ms again");
    }

    /** Steps 1 … CAL calibrate compressed, the next 2 CAL alternate fp32 (first) with the calibration codec. */
    private static void assertConfirmationSteps(Run run) {
        for (int s = 1; s <= 3 * CAL; s++) {
            MessageType expected = s > CAL && (s - CAL) % 2 == 1 ? MessageType.PARAMS : MessageType.PARAMS_DELTA;
            assertEquals(List.of(expected, expected), run.types().get(s), "step " + s + ": calibration, then fp32 alternating");
        }
    }
}
