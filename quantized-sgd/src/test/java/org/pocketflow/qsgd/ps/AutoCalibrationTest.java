package org.pocketflow.qsgd.ps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
 */
class AutoCalibrationTest {
    private static final GradientCodec ECQ = new EcqCodec();
    private static final GradientCodec ECQ_RL = new EcqCodec(EcqParams.defaults().withCoding(LevelCoding.RUN_LENGTH));
    private static final int N = 100_000;
    private static final int WORKERS = 2;
    private static final long COMPUTE_NANOS = 30_000_000L;

    /** What a simulated run left: the downlink, each worker's copy, the message types per step and the step times. */
    private record Run(Downlink down, DownlinkReceiver[] workers, List<List<MessageType>> types, List<Double> stepNanos) {
    }

    private static Run run(double mbit, int steps) {
        Downlink down = new Downlink(DownlinkPolicy.auto(List.of(ECQ, ECQ_RL), DownlinkPolicy.DEFAULT_DRIFT_FACTOR), WORKERS);
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
                int gradientBytes = workers[w].codec() == null ? 4 * N : bytes;
                long arrival = end + COMPUTE_NANOS + (long) (gradientBytes / bytesPerNano);
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
        return new Run(down, workers, types, stepNanos);
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
        for (DownlinkReceiver w : run.workers()) {
            assertNotNull(w.codec(), "the workers answer compressed");
        }
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
    void aFastLinkGoesBackToFp32BothWays() {
        int steps = 2 + DownlinkPolicy.DEFAULT_CALIBRATION_STEPS + 3;
        Run run = run(1_000_000, steps);
        String decision = run.down().stats().decision();
        assertTrue(decision.startsWith("codec auto chose fp32"), decision);
        int chosenAt = 1 + DownlinkPolicy.DEFAULT_CALIBRATION_STEPS;
        assertEquals(List.of(MessageType.PARAMS_DELTA, MessageType.PARAMS_DELTA), run.types().get(chosenAt - 1));
        for (int s = chosenAt; s < steps; s++) {
            assertEquals(List.of(MessageType.PARAMS, MessageType.PARAMS), run.types().get(s), "step " + s);
        }
        for (DownlinkReceiver w : run.workers()) {
            assertNull(w.codec(), "after full copies the workers answer in fp32");
        }
        assertEquals(WORKERS * (long) (DownlinkPolicy.DEFAULT_CALIBRATION_STEPS), run.down().stats().compressedMessages(),
                "only the calibration steps went compressed");
    }
}
