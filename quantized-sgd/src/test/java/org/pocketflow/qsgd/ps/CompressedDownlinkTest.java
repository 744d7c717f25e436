package org.pocketflow.qsgd.ps;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.codec.EcqCodec;
import org.pocketflow.qsgd.codec.EcqParams;
import org.pocketflow.qsgd.codec.IdentityCodec;
import org.pocketflow.qsgd.codec.LevelCoding;
import org.pocketflow.qsgd.ps.optim.SgdParams;
import org.pocketflow.qsgd.ps.transport.AeronRuntimeExtension;

/**
 * The compressed and auto downlinks through real Aeron on loopback: training as good as fp32 at
 * a fraction of the bytes, copies within the bound, a worker that rejoins resynchronised, and the
 * auto choice under emulated links.
 */
class CompressedDownlinkTest {
    private static final GradientCodec ECQ = new EcqCodec();
    private static final GradientCodec ECQ_RL = new EcqCodec(EcqParams.defaults().withCoding(LevelCoding.RUN_LENGTH));
    private static final int WORKERS = 2;
    private static final int CAL = DownlinkPolicy.DEFAULT_CALIBRATION_STEPS;
    @RegisterExtension
    static final AeronRuntimeExtension AERON = new AeronRuntimeExtension();

    /** What a run gave: the server's result, its downlink account, and every worker's final copy. */
    private record Outcome(TrainingResult result, DownlinkStats down, List<float[]> finals, long workerRejects,
                           List<String> uplinkCodecs, List<ParameterSnapshot> firsts, long resumedAt) {
    }

    /**
     * {@code f(θ) = ½ Σ a_i (θ_i - t_i)²} with curvatures {@code a_i} in [0.1, 1], seen through
     * gradients with Gaussian noise that depends only on (worker, step, i): separable, so any size is cheap.
     */
    private record Quadratic(float[] a, float[] target, long seed) {
        static Quadratic of(int n, long seed) {
            java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
            float[] a = new float[n];
            float[] t = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) Math.pow(10, -r.nextDouble());
                t[i] = (float) r.nextGaussian();
            }
            return new Quadratic(a, t, seed);
        }

        int dim() {
            return a.length;
        }

        float[] gradient(int worker, long step, float[] theta) {
            java.util.SplittableRandom r = new java.util.SplittableRandom(seed * 31 + worker * 1_000_003L + step);
            float[] g = new float[a.length];
            for (int i = 0; i < g.length; i++) {
                g[i] = a[i] * (theta[i] - target[i]) + (float) (0.1 * r.nextGaussian());
            }
            return g;
        }

        /** ‖θ − t‖ / ‖t‖. */
        double relativeError(float[] theta) {
            double num = 0;
            double den = 0;
            for (int i = 0; i < a.length; i++) {
                num += (theta[i] - target[i]) * (double) (theta[i] - target[i]);
                den += target[i] * (double) target[i];
            }
            return Math.sqrt(num / den);
        }
    }

    private static Outcome run(Quadratic problem, long steps, DownlinkPolicy policy, GradientCodec uplink, double linkMbit,
                               int rejoinAt) throws InterruptedException {
        return run(problem, steps, policy, uplink, linkMbit, rejoinAt, 0);
    }

    /**
     * @param fp32DelayMillis how long a worker waits before computing on parameters that came as a full copy after
     *     the joins: an fp32 cost beyond the send that the auto choice's model does not see
     */
    private static Outcome run(Quadratic problem, long steps, DownlinkPolicy policy, GradientCodec uplink, double linkMbit,
                               int rejoinAt, long fp32DelayMillis) throws InterruptedException {
        return run(problem, ServerConfig.sync(PsFixture.freeLoopback(), WORKERS, steps), policy, uplink, linkMbit, rejoinAt,
                fp32DelayMillis);
    }

    private static Outcome run(Quadratic problem, ServerConfig config, DownlinkPolicy policy, GradientCodec uplink,
                               double linkMbit, int rejoinAt, long fp32DelayMillis) throws InterruptedException {
        try (ParameterServer server = new ParameterServer(AERON.runtime(), config, uplink == null ? new IdentityCodec() : uplink,
                SgdParams.nesterov(0.1, 0.9), new float[problem.dim()])) {
            server.setDownlink(policy, linkMbit);
            server.start();
            List<Thread> threads = new ArrayList<>();
            float[][] finals = new float[WORKERS][];
            ParameterSnapshot[] firsts = new ParameterSnapshot[WORKERS];
            long resumedAt = server.step();
            long[] rejects = new long[WORKERS];
            String[] codecs = new String[WORKERS];
            Throwable[] failures = new Throwable[WORKERS];
            for (int w = 0; w < WORKERS; w++) {
                int id = w;
                Thread t = new Thread(() -> {
                    try {
                        WorkerConfig wc = new WorkerConfig(id, PsFixture.freeLoopback(), server.address()).withTimeoutMillis(20_000);
                        WorkerClient client = new WorkerClient(AERON.runtime(), wc);
                        client.emulateLink(linkMbit);
                        GradientEncoder enc = uplink == null ? new ServerChosenEncoder(client, id) : uplink.newEncoder(id);
                        ParameterSnapshot p = client.join();
                        firsts[id] = p;
                        org.pocketflow.qsgd.EncoderState restored = client.takeRestoredState();
                        if (restored != null) {
                            enc.restore(restored);
                        }
                        while (!p.last()) {
                            if (id == 0 && p.step() == rejoinAt) {
                                rejects[id] += client.rejected();
                                client.close();
                                client = new WorkerClient(AERON.runtime(), wc);
                                p = client.join();
                                assertEquals(rejoinAt, p.step(), "the rejoining worker gets the current version");
                            }
                            if (fp32DelayMillis > 0 && p.step() > 0 && client.downlinkCodec() == null) {
                                Thread.sleep(fp32DelayMillis);
                            }
                            org.pocketflow.qsgd.EncodedGradient g = enc.encode(problem.gradient(id, p.step(), p.values()));
                            if (client.stateRequested(p.step()) && !client.pushState(p.step(), enc.snapshot())) {
                                throw new IllegalStateException("state push failed at step " + p.step());
                            }
                            client.push(p.step(), g);
                            p = client.awaitParams(p.step() + 1);
                        }
                        finals[id] = p.values();
                        rejects[id] += client.rejected();
                        codecs[id] = CodecChoice.Option.name(enc.codec());
                        client.close();
                    } catch (Throwable e) {
                        failures[id] = e;
                    }
                }, "downlink-test-worker-" + w);
                t.start();
                threads.add(t);
            }
            TrainingResult result = server.await(90, TimeUnit.SECONDS);
            for (Thread t : threads) {
                t.join(30_000);
            }
            for (Throwable f : failures) {
                assertNull(f, () -> "a worker failed: " + f);
            }
            return new Outcome(result, server.downlinkStats(), List.of(finals), rejects[0] + rejects[1], List.of(codecs),
                    List.of(firsts), resumedAt);
        }
    }

    @Test
    void compressedBothWaysTrainsLikeFp32AtASixteenthOfTheBytes() throws InterruptedException {
        Quadratic problem = Quadratic.of(8_192, PsFixture.SEED);
        long steps = 150;
        Outcome fp32 = run(problem, steps, DownlinkPolicy.fp32(), new IdentityCodec(), 0, -1);
        Outcome ecq = run(problem, steps, DownlinkPolicy.compressed(ECQ_RL, DownlinkPolicy.DEFAULT_DRIFT_FACTOR), ECQ_RL, 0, -1);

        double e32 = problem.relativeError(fp32.result().params());
        double eEcq = problem.relativeError(ecq.result().params());
        assertTrue(e32 < 0.2, "fp32 should train: relative error " + e32);
        // the noise floor of this problem is set by the gradient noise; quantizing both ways adds some
        assertTrue(eEcq < e32 * 1.5, "compressed both ways should train about as well: " + eEcq + " against fp32 " + e32);

        DownlinkStats d = ecq.down();
        assertEquals(WORKERS * (steps - 1), d.compressedMessages() + d.driftResyncs(),
                "every step but the first and the last goes down compressed, or as a resynchronisation: " + d);
        assertTrue(d.driftResyncs() < 0.05 * d.compressedMessages(), "few resynchronisations: " + d);
        long fp32Down = fp32.down().bytesOut();
        long fp32Up = fp32.result().stats().bytesIn();
        assertTrue(fp32Down >= 16 * d.bytesOut(), "downlink bytes " + d.bytesOut() + " should be >= 16x below fp32's " + fp32Down);
        assertTrue(fp32Up >= 16 * ecq.result().stats().bytesIn(), "uplink bytes should be >= 16x below fp32's");
        assertEquals(0, ecq.workerRejects(), "updates arrive in order, none refused");
        for (float[] f : ecq.finals()) {
            assertArrayEquals(ecq.result().params(), f, "the final parameters reach every worker exactly");
        }
    }

    /**
     * A run with the compressed downlink stopped at its checkpoint of step 30 and resumed by a new
     * server: the checkpoint is the uninterrupted run's of step 30 bit for bit (parameters, momentum,
     * the workers' uplink encoder states), but the workers' downlink copies and the server's
     * downlink residuals are not in it, so the resumed server starts every worker from a full fp32
     * copy of the checkpoint's parameters with a fresh downlink encoder (what a joining worker
     * gets). From there the updates go down compressed within the bound again, the run finishes
     * with every worker exact, and it trains as well as the uninterrupted run, which it does not
     * equal bit for bit (its workers computed step 30 on their copies, within the bound of the
     * server's parameters, the resumed ones on the parameters themselves).
     */
    @Test
    void aRunResumedWithTheCompressedDownlinkStartsEveryWorkerFromAFullCopy(@org.junit.jupiter.api.io.TempDir
                                                                              java.nio.file.Path dir) throws Exception {
        Quadratic problem = Quadratic.of(8_192, PsFixture.SEED);
        float kappa = DownlinkPolicy.DEFAULT_DRIFT_FACTOR;
        DownlinkPolicy policy = DownlinkPolicy.compressed(ECQ_RL, kappa);
        // checkpoints every 30 steps: the uninterrupted run keeps those of steps 30 (previous) and 60 (newest)
        Outcome whole = run(problem, ServerConfig.sync(PsFixture.freeLoopback(), WORKERS, 60)
                .withCheckpoints(dir.resolve("whole"), 30, false), policy, ECQ_RL, 0, -1, 0);
        run(problem, ServerConfig.sync(PsFixture.freeLoopback(), WORKERS, 30).withCheckpoints(dir.resolve("run"), 30, false),
                policy, ECQ_RL, 0, -1, 0);
        org.pocketflow.qsgd.ps.checkpoint.CheckpointStore stopped = new org.pocketflow.qsgd.ps.checkpoint.CheckpointStore(
                dir.resolve("run"));
        org.pocketflow.qsgd.ps.checkpoint.Checkpoint at30 = stopped.load().orElseThrow();
        org.pocketflow.qsgd.ps.checkpoint.CheckpointStore wholeStore = new org.pocketflow.qsgd.ps.checkpoint.CheckpointStore(
                dir.resolve("whole"));
        java.nio.file.Files.delete(wholeStore.file());
        assertEquals(wholeStore.load().orElseThrow(), at30, "the checkpoint of step 30 is the uninterrupted run's, bit for bit");
        assertEquals(WORKERS, at30.encoders().size(), "the workers' uplink encoder states are in it");

        Outcome resumed = run(problem, ServerConfig.sync(PsFixture.freeLoopback(), WORKERS, 60)
                .withCheckpoints(dir.resolve("run"), 30, true), policy, ECQ_RL, 0, -1, 0);
        assertEquals(30, resumed.resumedAt());
        for (ParameterSnapshot first : resumed.firsts()) {
            assertEquals(30, first.step(), "each worker starts at the checkpoint's step");
            assertArrayEquals(at30.params(), first.values(), "a full fp32 copy of the checkpoint's parameters");
        }
        DownlinkStats d = resumed.down();
        assertEquals(WORKERS * 29L, d.compressedMessages() + d.driftResyncs(),
                "steps 31 to 59 go down compressed, or as a resynchronisation: " + d);
        assertEquals(2L * WORKERS + d.driftResyncs(), d.fullMessages(), "full copies: the two joins, the final ones and"
                + " the resynchronisations only: " + d);
        assertTrue(d.driftResyncs() < 0.05 * d.compressedMessages(), "few resynchronisations: " + d);
        // the uninterrupted run's workers drift as far on the same problem; the resumed run's bound is the same
        assertTrue(d.maxDrift() > 0 && d.maxDrift() <= 2 * whole.down().maxDrift(), "resumed " + d + " against "
                + whole.down());
        for (float[] f : resumed.finals()) {
            assertArrayEquals(resumed.result().params(), f, "the final parameters reach every worker exactly");
        }
        double eWhole = problem.relativeError(whole.result().params());
        double eResumed = problem.relativeError(resumed.result().params());
        double maxDiff = 0;
        for (int i = 0; i < problem.dim(); i++) {
            maxDiff = Math.max(maxDiff, Math.abs(whole.result().params()[i] - resumed.result().params()[i]));
        }
        System.out.printf("[downlink-resume] max drift %.3g (uninterrupted %.3g), resyncs %d; relative error %.4f resumed,"
                + " %.4f uninterrupted; max |resumed - uninterrupted| %.3g%n", d.maxDrift(), whole.down().maxDrift(),
                d.driftResyncs(), eResumed, eWhole, maxDiff);
        assertTrue(eResumed < eWhole * 1.1 + 0.01, "the resumed run trains as well: " + eResumed + " against " + eWhole);
    }

    @Test
    void aWorkerThatRejoinsIsResynchronisedWithAFullCopy() throws InterruptedException {
        Quadratic problem = Quadratic.of(2_048, PsFixture.SEED);
        Outcome o = run(problem, 60, DownlinkPolicy.compressed(ECQ_RL, DownlinkPolicy.DEFAULT_DRIFT_FACTOR), ECQ_RL, 0, 20);
        // joins (2) + the rejoin (1) + final parameters (2)
        assertTrue(o.down().fullMessages() >= 5 + o.down().driftResyncs(), o.down().toString());
        assertTrue(problem.relativeError(o.result().params()) < 0.3, "training goes on after the rejoin");
        for (float[] f : o.finals()) {
            assertArrayEquals(o.result().params(), f);
        }
    }

    @Test
    void autoConfirmsItsChoiceOfFp32OnLoopbackWithRealStepsAndTheWorkersFollow() throws InterruptedException {
        Quadratic problem = Quadratic.of(65_536, PsFixture.SEED);
        // on loopback Aeron copies fp32 at about 2 GB/s here, while fixed-width ECQ encodes at 6: only the slower
        // run-length coding loses to fp32 in the model there, so the loopback case weighs that one alone
        DownlinkPolicy autoRunLength = DownlinkPolicy.auto(List.of(ECQ_RL), DownlinkPolicy.DEFAULT_DRIFT_FACTOR);
        Outcome fast = run(problem, 20, autoRunLength, null, 0, -1);
        String decision = fast.down().decision();
        assertTrue(decision.contains("calibrated on ecq-rl"), decision);
        assertTrue(decision.contains("; model chose fp32, then " + CAL + " fp32 steps alternating with " + CAL + " ecq-rl"),
                decision);
        // which of the two the real steps favour depends on the machine; the workers follow either way
        String chosen = decision.substring("codec auto chose ".length()).split(":")[0];
        assertEquals(List.of(chosen, chosen), fast.uplinkCodecs(), "workers follow the server's final choice: " + decision);
        // the calibration steps and those that alternate with fp32 go compressed, then the chosen codec's
        long checking = WORKERS * 2L * CAL;
        if (chosen.equals("fp32")) {
            assertTrue(fast.down().compressedMessages() <= checking, fast.down().toString());
        } else {
            assertEquals("ecq-rl", chosen, decision);
            assertTrue(fast.down().compressedMessages() > checking, fast.down().toString());
        }
        assertEquals(0, fast.result().stats().rejectedTotal(), fast.result().stats().toString());
        assertEquals(0, fast.workerRejects(), "updates arrive in order, none refused, across the switches");
        for (float[] f : fast.finals()) {
            assertArrayEquals(fast.result().params(), f);
        }
    }

    @Test
    void autoGoesBackToCompressedWhenRealFp32StepsAreSlowerThanPredicted() throws InterruptedException {
        Quadratic problem = Quadratic.of(65_536, PsFixture.SEED);
        DownlinkPolicy autoRunLength = DownlinkPolicy.auto(List.of(ECQ_RL), DownlinkPolicy.DEFAULT_DRIFT_FACTOR);
        // each worker spends 150 ms more on every full copy after the joins: the model, fed by compressed steps, predicts
        // fp32 as on loopback above, and the real fp32 steps show it wrong
        Outcome o = run(problem, 20, autoRunLength, null, 0, -1, 150);
        String decision = o.down().decision();
        assertTrue(decision.startsWith("codec auto chose ecq-rl:"), decision);
        assertTrue(decision.contains("; model chose fp32, then " + CAL + " fp32 steps alternating with " + CAL + " ecq-rl"),
                decision);
        assertEquals(List.of("ecq-rl", "ecq-rl"), o.uplinkCodecs(), "workers follow the server back to compressed");
        // calibration (steps 1-4) compressed, fp32 alternating with compressed (5-12), compressed (13-19)
        assertEquals(WORKERS * (long) (CAL + CAL + 7), o.down().compressedMessages() + o.down().driftResyncs(),
                o.down().toString());
        assertEquals(0, o.result().stats().rejectedTotal(), o.result().stats().toString());
        assertEquals(0, o.workerRejects(), "updates arrive in order, none refused, across the switches");
        for (float[] f : o.finals()) {
            assertArrayEquals(o.result().params(), f, "every worker ends on the server's parameters");
        }
    }

    @Test
    void autoTakesEcqAtAGigabitAndRunLengthEcqOnASlowLink() throws InterruptedException {
        Quadratic problem = Quadratic.of(65_536, PsFixture.SEED);
        // 1000 Mbit/s: fp32 costs 2.1 ms a message, fixed-width ECQ 0.14 ms; auto calibrates on ECQ and keeps it
        Outcome gigabit = run(problem, 14, DownlinkPolicy.auto(List.of(ECQ), DownlinkPolicy.DEFAULT_DRIFT_FACTOR), null, 1_000, -1);
        assertChose("ecq", gigabit);
        // 5 Mbit/s: run-length coding saves 14 ms a message over fixed width; auto calibrates on it and keeps it
        Outcome slow = run(problem, 14, DownlinkPolicy.auto(List.of(ECQ, ECQ_RL), DownlinkPolicy.DEFAULT_DRIFT_FACTOR), null, 5,
                -1);
        assertChose("ecq-rl", slow);
    }

    private static void assertChose(String codec, Outcome o) {
        String decision = o.down().decision();
        assertTrue(decision.startsWith("codec auto chose " + codec + ":"), decision);
        assertEquals(List.of(codec, codec), o.uplinkCodecs(), "workers follow the server's choice upwards");
        // on a loaded machine the model can predict fp32 here, and the real steps then correct it: CAL of them were fp32
        long fp32Steps = decision.contains("; model chose fp32, then ") ? CAL : 0;
        assertTrue(o.down().compressedMessages() >= WORKERS * (12L - fp32Steps),
                "every step but the first, the last and any fp32 steps that checked the model went compressed: " + o.down());
        assertEquals(0, o.result().stats().rejectedTotal(), "gradients in the chosen codec are accepted: " + o.result().stats());
        assertEquals(0, o.workerRejects(), "updates arrive in order, none refused, across the switch");
        for (float[] f : o.finals()) {
            assertArrayEquals(o.result().params(), f);
        }
    }
}
