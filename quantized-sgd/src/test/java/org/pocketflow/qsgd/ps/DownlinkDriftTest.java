package org.pocketflow.qsgd.ps;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.codec.EcqCodec;
import org.pocketflow.qsgd.codec.EcqParams;
import org.pocketflow.qsgd.codec.LevelCoding;
import org.pocketflow.qsgd.ps.wire.MessageType;
import org.pocketflow.qsgd.ps.wire.PsMessage;

/**
 * The compressed downlink without a network: {@link Downlink} messages applied by {@link
 * DownlinkReceiver}s over a long random run, the workers' copies compared with the server's
 * parameters after every message.
 */
class DownlinkDriftTest {

    private static final GradientCodec ECQ_RL = new EcqCodec(EcqParams.defaults().withCoding(LevelCoding.RUN_LENGTH));
    private static final int N = 6_000;

    /**
     * 4,000 steps of momentum SGD on random gradients whose scale differs 100-fold between
     * "layers" and drifts over time; four workers, each receiving a message after a random subset
     * of steps (so some fall several updates behind, as in async mode), one of them rejoining
     * (a fresh receiver, a full copy) now and then.
     */
    @Test
    void everyWorkersCopyStaysWithinTheBoundOverALongRandomRun() {
        // measured on this run: kappa 2 needed a full copy for 20% of the updates, 3 for 5.8%, 4 for 1.1%
        float kappa = DownlinkPolicy.DEFAULT_DRIFT_FACTOR;
        Downlink down = new Downlink(DownlinkPolicy.compressed(ECQ_RL, kappa), 4);
        DownlinkReceiver[] workers = new DownlinkReceiver[4];
        SplittableRandom r = new SplittableRandom(7);
        float[] theta = new float[N];
        float[] velocity = new float[N];
        for (int i = 0; i < N; i++) {
            theta[i] = (float) (r.nextGaussian() * 0.1);
        }
        float[][] sent = new float[workers.length][];
        for (int w = 0; w < workers.length; w++) {
            workers[w] = new DownlinkReceiver();
            apply(workers[w], down.message(w, theta, 0, false, true));
            sent[w] = theta.clone();
        }
        long deltaBytes = 0;
        long deltas = 0;
        float worst = 0;
        double worstRatio = 0;
        for (int step = 1; step <= 4_000; step++) {
            double drift = 1 + 0.5 * Math.sin(step / 300.0);
            for (int i = 0; i < N; i++) {
                double layerScale = Math.pow(10, -1 - 2.0 * (i / 1_500) / 3);
                float g = (float) (r.nextGaussian() * layerScale * drift);
                velocity[i] = 0.9f * velocity[i] + g;
                theta[i] -= 0.01f * velocity[i];
            }
            for (int w = 0; w < workers.length; w++) {
                boolean rejoin = w == 3 && step % 997 == 0;
                if (rejoin) {
                    workers[w] = new DownlinkReceiver();
                }
                if (!rejoin && r.nextInt(4) == 0) {
                    continue;
                }
                PsMessage m = down.message(w, theta, step, false, rejoin);
                float[] copy = apply(workers[w], m);
                float d = maxAbsDiff(theta, copy);
                float change = maxAbsDiff(theta, sent[w]);
                sent[w] = theta.clone();
                assertTrue(d <= kappa * change, "worker " + w + " at step " + step + " is " + d + " from the server, over "
                        + kappa + " times the change it was sent, " + change);
                worst = Math.max(worst, d);
                worstRatio = Math.max(worstRatio, d / change);
                if (m.type() == MessageType.PARAMS_DELTA) {
                    deltaBytes += m.payload().length;
                    deltas++;
                } else if (rejoin) {
                    assertEquals(0f, d, "a rejoining worker gets an exact copy");
                }
            }
        }
        DownlinkStats s = down.stats();
        assertEquals(worst, s.maxDrift(), "the server's own account of the drift is the workers' real one");
        assertEquals(deltas, s.compressedMessages());
        assertTrue(s.driftResyncs() < 0.01 * deltas, "the bound should rarely need a full copy: " + s);
        double ratio = 4.0 * N * deltas / deltaBytes;
        assertTrue(ratio >= 16, "compressed updates should be >= 16x smaller than fp32, got " + ratio + "x");
        double overall = 4.0 * N * (s.fullMessages() + s.compressedMessages()) / s.bytesOut();
        assertTrue(overall >= 16, "all downlink bytes, full copies included, should be >= 16x below fp32, got " + overall + "x");
        assertTrue(worstRatio > kappa / 2, "the run should come near the bound, or it tests nothing: " + worstRatio);

        // the final parameters are exact for everyone
        for (int w = 0; w < workers.length; w++) {
            PsMessage last = down.message(w, theta, 4_001, true, false);
            assertEquals(MessageType.PARAMS, last.type());
            assertArrayEquals(theta, apply(workers[w], last));
        }
    }

    @Test
    void aCopyBeyondTheBoundIsResynchronisedWithAFullCopy() {
        Downlink down = new Downlink(DownlinkPolicy.compressed(ECQ_RL, 1e-3f), 1);
        DownlinkReceiver worker = new DownlinkReceiver();
        float[] theta = new float[N];
        apply(worker, down.message(0, theta, 0, false, true));
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < N; i++) {
            theta[i] = (float) r.nextGaussian();
        }
        PsMessage m = down.message(0, theta, 1, false, false);
        assertEquals(MessageType.PARAMS, m.type(), "ternary levels cannot bring a Gaussian update within 1e-3 of itself: a full copy");
        assertArrayEquals(theta, apply(worker, m));
        assertEquals(1, down.stats().driftResyncs());
    }

    @Test
    void anUpdateThatDoesNotFollowTheCopyIsRefusedUntilAFullCopy() {
        Downlink down = new Downlink(DownlinkPolicy.compressed(ECQ_RL, 1e3f), 1);
        float[] theta = new float[N];
        DownlinkReceiver worker = new DownlinkReceiver();
        apply(worker, down.message(0, theta, 0, false, true));
        theta[5] = 0.25f;
        PsMessage first = down.message(0, theta, 1, false, false);
        theta[6] = 0.25f;
        PsMessage second = down.message(0, theta, 2, false, false);
        assertEquals(MessageType.PARAMS_DELTA, second.type());
        assertNull(worker.update(second.payload()), "update 2 without update 1 must be refused");
        assertNotNull(worker.update(first.payload()));
        assertNotNull(worker.update(second.payload()));
        assertNull(new DownlinkReceiver().update(first.payload()), "a worker without a copy cannot take an update");
        assertSame(ECQ_RL.getClass(), worker.codec().getClass());
        assertEquals(ECQ_RL, worker.codec(), "the worker learns the server's codec from its updates");
    }

    @Test
    void fp32DownlinkSendsFullCopiesOnly() {
        Downlink down = new Downlink(DownlinkPolicy.fp32(), 2);
        float[] theta = {1f, 2f, 3f};
        assertEquals(MessageType.PARAMS, down.message(0, theta, 4, false, false).type());
        assertEquals(MessageType.PARAMS, down.message(1, theta, 4, false, false).type());
        assertEquals(new DownlinkStats(2, 0, 24, 0, 0f, ""), down.stats());
    }

    private static float[] apply(DownlinkReceiver worker, PsMessage m) {
        float[] v = m.type() == MessageType.PARAMS ? worker.full(m.payload()) : worker.update(m.payload());
        assertNotNull(v, "worker refused " + m);
        return v;
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        float d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }
}
