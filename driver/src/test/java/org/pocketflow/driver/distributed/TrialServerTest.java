package org.pocketflow.driver.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.driver.SparkContexts;
import org.pocketflow.driver.study.ServerTrialLauncher;
import org.pocketflow.qsgd.ps.DownlinkStats;
import org.pocketflow.qsgd.ps.checkpoint.CheckpointStore;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.distributed.LoopbackPorts;
import org.pocketflow.worker.distributed.NopWorkerHook;
import org.pocketflow.worker.distributed.WorkerHook;
import org.pocketflow.worker.distributed.WorkerReport;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.LearnerOptions;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ModelFiles;
import org.pocketflow.worker.task.TrialRequest;
import org.pocketflow.worker.task.TrialResult;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * A trial's rung on two Spark tasks through its own parameter server ({@code local[2,2]}: task
 * retries on; {@code spark.authenticate=true}, so every message carries the trial's HMAC): a
 * worker whose task fails is retried and rejoins; an interrupted rung closes its server and ends
 * its workers, and the next rung on the same ports runs; a weight-sparsity rung stopped mid-way
 * and run again resumes from its server's checkpoint and ends as the uninterrupted rung.
 */
class TrialServerTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";
    /** Pushes seen by {@link CountPushes} (executors are threads of this JVM in local mode). */
    static final AtomicLong PUSHES = new AtomicLong();
    /** Workers stalled by {@link StallAt}. */
    static final AtomicInteger STALLED = new AtomicInteger();
    private static JavaSparkContext sc;
    private static JobConfig config;
    private static byte[] base;
    private static Broadcast<byte[]> baseModel;

    @BeforeAll
    static void startSpark() throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        config = JobConfig.load(Optional.empty(), List.of("pocketflow.spark.master=local[2,2]", "spark.authenticate=true",
                "pocketflow.distributed.timeout-ms=20000", "pocketflow.distributed.codec=ecq"));
        sc = SparkContexts.create(config, "trial-server-test");
        ComputationGraph g = Architecture.LENET.factory().create(new ImageShape(1, 28, 28), 10, 3);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(g, out, false);
        base = out.toByteArray();
        baseModel = sc.broadcast(base);
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.close();
        }
    }

    private static TrialRequest request(Path dir, int epochs) {
        return request(dir, epochs, "channel-pruning", Budget.macs(0.5));
    }

    private static TrialRequest request(Path dir, int epochs, String learner, Budget budget) {
        TrialRequest.TrialContext ctx = new TrialRequest.TrialContext("file://" + DATA, 1200, 200, 0.2, 5,
                learner, new LearnerOptions(true, "l1", 1, 0), budget, true, 0, 1, Map.of("seed", "5"));
        FineTuneSpec ft = FineTuneSpec.of(new TrainingSpec(epochs, 16, 0.02, 0.9, 0, TrainingSpec.LrSchedule.COSINE, 9, 1000));
        return new TrialRequest(ctx, 3, 0, 0, 1, Map.of(), ft, "", dir.toUri().toString());
    }

    private static TrialServer server(WorkerHook hook) {
        return new TrialServer(TrialServer.Settings.of(config, sc, hook), baseModel, base, line -> { });
    }

    @Test
    void aWorkerWhoseTaskFailsIsRetriedAndRejoins(@TempDir Path tmp) {
        TrialServer.Outcome o = server(new FailOnce(1, 5)).run(sc, request(tmp, 1), 2, LoopbackPorts.freeBase(2), "trial-3");
        assertEquals(TrialResult.COMPLETE, o.result().status(), o.result().reason());
        assertTrue(o.reports().stream().anyMatch(r -> r.workerId() == 1 && r.attempt() == 1
                && r.outcome() == WorkerReport.Outcome.FINISHED), "worker 1's second attempt finished: " + o.reports());
        assertTrue(o.result().validationAccuracy() > 0.3, "a pruned LeNet after one epoch on two workers: "
                + o.result().validationAccuracy());
        assertTrue(Files.exists(tmp.resolve("rung-0.zip")) && Files.exists(tmp.resolve("rung-0.pfpk")));
    }

    @Test
    void anInterruptedRungClosesItsServerAndEndsItsWorkers(@TempDir Path tmp) throws Exception {
        int port = LoopbackPorts.freeBase(2);
        PUSHES.set(0);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread rung = startRung(() -> server(new CountPushes()).run(sc, request(tmp.resolve("long"), 50), 2, port,
                "trial-long"), thrown);
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (PUSHES.get() < 6 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(PUSHES.get() >= 6, "the workers pushed: " + PUSHES.get());
        rung.interrupt();
        rung.join(30_000);
        assertFalse(rung.isAlive(), "the rung ends when its thread is interrupted");
        assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
        deadline = System.nanoTime() + 30_000_000_000L;
        while (sc.statusTracker().getActiveJobIds().length > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(0, sc.statusTracker().getActiveJobIds().length, "the workers' job ended");
        // a worker that was computing when its task was killed may push once more, then sees the interrupt
        Thread.sleep(3_000);
        long pushed = PUSHES.get();
        Thread.sleep(3_000);
        assertEquals(pushed, PUSHES.get(), "the workers stopped pushing");
        // the same ports serve the next rung
        TrialServer.Outcome next = server(NopWorkerHook.INSTANCE).run(sc, request(tmp.resolve("next"), 1), 2, port, "trial-next");
        assertEquals(TrialResult.COMPLETE, next.result().status(), next.result().reason());
    }

    /**
     * A 75% weight-sparsity rung of 30 steps on two Spark tasks, ECQ codec, server checkpoints every
     * 5 steps: stopped with both workers stalled after their push at version 12 (so the newest
     * checkpoint is step 10), then run again with the same request. The server resumes at step 10
     * with the masks and the workers' encoder states, the workers compute the remaining steps only,
     * and the rung's network equals the uninterrupted rung's exactly; the checkpoint folder is gone
     * once the rung has ended. The same checkpoint with {@code pocketflow.distributed.resume = false}
     * is removed and the rung runs from its beginning, every step, to the uninterrupted result.
     */
    @Test
    void aStoppedRungRunAgainResumesFromItsCheckpointAndEndsAsTheUninterruptedOne(@TempDir Path tmp) throws Exception {
        JobConfig every5 = checkpointEvery5("pocketflow.distributed.downlink=fp32");
        int port = LoopbackPorts.freeBase(2);
        TrialServer.Outcome whole = new TrialServer(TrialServer.Settings.of(every5, sc, NopWorkerHook.INSTANCE), baseModel,
                base, line -> { }).run(sc, sparse(tmp.resolve("whole")), 2, port, "trial-whole");
        assertEquals(TrialResult.COMPLETE, whole.result().status(), whole.result().reason());
        assertFalse(Files.exists(tmp.resolve("whole/rung-0.ps")), "the finished rung's checkpoints are removed");

        stopAtVersion12(every5, tmp.resolve("resumed"), port, "trial-stopped");

        copyFolder(tmp.resolve("resumed/rung-0.ps"), tmp.resolve("fresh/rung-0.ps"));

        List<String> lines = new CopyOnWriteArrayList<>();
        TrialServer.Outcome resumed = new TrialServer(TrialServer.Settings.of(every5, sc, NopWorkerHook.INSTANCE),
                baseModel, base, lines::add).run(sc, sparse(tmp.resolve("resumed")), 2, port, "trial-resumed");
        assertEquals(TrialResult.COMPLETE, resumed.result().status(), resumed.result().reason());
        assertTrue(lines.stream().anyMatch(l -> l.contains("resumed at its step 10")), String.join("\n", lines));
        long wholeSteps = whole.reports().stream().filter(r -> r.workerId() == 0).mapToLong(WorkerReport::steps).sum();
        assertTrue(resumed.reports().stream().allMatch(r -> r.outcome() == WorkerReport.Outcome.FINISHED
                && r.steps() == wholeSteps - 10), "each worker computed the remaining steps only: " + resumed.reports());
        float[] a = ModelFiles.load(whole.result().checkpoint()).params().toFloatVector();
        float[] b = ModelFiles.load(resumed.result().checkpoint()).params().toFloatVector();
        double maxDiff = 0;
        for (int i = 0; i < a.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        }
        System.out.printf("[trial-server-resume] %d steps, stopped at 13, resumed at 10: max |resumed - whole| %.3g,"
                        + " validation %.4f vs %.4f%n", wholeSteps, maxDiff, resumed.result().validationAccuracy(),
                whole.result().validationAccuracy());
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, 0f, "resumed differs by up to " + maxDiff);
        assertEquals(whole.result().validationAccuracy(), resumed.result().validationAccuracy(), 0.0);
        assertFalse(Files.exists(tmp.resolve("resumed/rung-0.ps")), "the finished rung's checkpoints are removed");

        // the same stopped rung (its checkpoint of step 10 copied) run again with pocketflow.distributed.resume = false
        List<String> freshLines = new CopyOnWriteArrayList<>();
        TrialServer.Outcome fresh = new TrialServer(TrialServer.Settings.of(checkpointEvery5("pocketflow.distributed"
                + ".downlink=fp32", "pocketflow.distributed.resume=false"), sc, NopWorkerHook.INSTANCE), baseModel, base,
                freshLines::add).run(sc, sparse(tmp.resolve("fresh")), 2, port, "trial-fresh");
        assertEquals(TrialResult.COMPLETE, fresh.result().status(), fresh.result().reason());
        assertTrue(freshLines.stream().anyMatch(l -> l.contains("pocketflow.distributed.resume = false: removed its old"
                + " checkpoints")), String.join("\n", freshLines));
        assertTrue(freshLines.stream().noneMatch(l -> l.contains("resumed at its step")), String.join("\n", freshLines));
        assertTrue(fresh.reports().stream().allMatch(r -> r.outcome() == WorkerReport.Outcome.FINISHED
                && r.steps() == wholeSteps), "each worker computed every step: " + fresh.reports());
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, ModelFiles.load(fresh.result().checkpoint()).params()
                .toFloatVector(), 0f, "run from its beginning, as the uninterrupted rung");
        assertFalse(Files.exists(tmp.resolve("fresh/rung-0.ps")), "the finished rung's checkpoints are removed");
    }

    /**
     * The stopped rung of the test above with the compressed downlink (ECQ both ways, the default):
     * the workers' downlink copies and the server's downlink residuals are not in the checkpoint,
     * so the resumed server starts each worker from a full fp32 copy of the checkpoint's parameters
     * with a fresh downlink encoder (as a joining worker), then sends compressed updates within the
     * bound again. Its downlink account shows exactly that: the joins' and the final full copies,
     * every step between compressed or resynchronised. The rung finishes, its sparsity held; it is
     * not bit for bit the uninterrupted rung (see docs/TRIALS-PS.md).
     */
    @Test
    void aStoppedRungWithTheCompressedDownlinkResumesFromFullCopiesAndFinishes(@TempDir Path tmp) throws Exception {
        JobConfig every5 = checkpointEvery5();
        int port = LoopbackPorts.freeBase(2);
        TrialServer.Outcome whole = new TrialServer(TrialServer.Settings.of(every5, sc, NopWorkerHook.INSTANCE), baseModel,
                base, line -> { }).run(sc, sparse(tmp.resolve("whole")), 2, port, "trial-whole-ecq");
        assertEquals(TrialResult.COMPLETE, whole.result().status(), whole.result().reason());

        stopAtVersion12(every5, tmp.resolve("resumed"), port, "trial-stopped-ecq");

        List<String> lines = new CopyOnWriteArrayList<>();
        TrialServer.Outcome resumed = new TrialServer(TrialServer.Settings.of(every5, sc, NopWorkerHook.INSTANCE),
                baseModel, base, lines::add).run(sc, sparse(tmp.resolve("resumed")), 2, port, "trial-resumed-ecq");
        assertEquals(TrialResult.COMPLETE, resumed.result().status(), resumed.result().reason());
        assertTrue(lines.stream().anyMatch(l -> l.contains("resumed at its step 10")), String.join("\n", lines));
        long wholeSteps = whole.reports().stream().filter(r -> r.workerId() == 0).mapToLong(WorkerReport::steps).sum();
        assertTrue(resumed.reports().stream().allMatch(r -> r.outcome() == WorkerReport.Outcome.FINISHED
                && r.steps() == wholeSteps - 10), "each worker computed the remaining steps only: " + resumed.reports());
        DownlinkStats d = resumed.downlink();
        assertEquals(2L * (wholeSteps - 10 - 1), d.compressedMessages() + d.driftResyncs(),
                "versions 11 to " + (wholeSteps - 1) + " went down compressed (or resynchronised): " + d);
        // a worker repeats its join while the server's reply is on its way (more often on a loaded machine); each
        // join gets a full copy, so the joins' copies are at least one per worker
        assertTrue(d.fullMessages() >= 2L * 2 + d.driftResyncs() && d.fullMessages() <= 2L * 2 + d.driftResyncs() + 2,
                "full copies: each worker's at version 10 (a repeated join another), each one's final parameters, and"
                        + " resynchronisations: " + d);
        assertTrue(d.compressedMessages() > 0 && d.maxDrift() <= 2 * whole.downlink().maxDrift(), "the resumed copies"
                + " drift no further than the uninterrupted ones': " + d + " against " + whole.downlink());
        float[] a = ModelFiles.load(whole.result().checkpoint()).params().toFloatVector();
        float[] b = ModelFiles.load(resumed.result().checkpoint()).params().toFloatVector();
        double maxDiff = 0;
        int zerosA = 0;
        int zerosB = 0;
        for (int i = 0; i < a.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
            zerosA += a[i] == 0 ? 1 : 0;
            zerosB += b[i] == 0 ? 1 : 0;
        }
        System.out.printf("[trial-server-resume-compressed] %d steps, resumed at 10: max |resumed - whole| %.3g, validation"
                        + " %.4f vs %.4f, zeros %d vs %d of %d, downlink resumed %s, whole %s%n", wholeSteps, maxDiff,
                resumed.result().validationAccuracy(), whole.result().validationAccuracy(), zerosB, zerosA, a.length, d,
                whole.downlink());
        assertEquals(zerosA, zerosB, 1e-3 * a.length, "the resumed rung keeps the same sparsity");
        assertTrue(resumed.result().validationAccuracy() > 0.2, "it learns: " + resumed.result().validationAccuracy());
        assertFalse(Files.exists(tmp.resolve("resumed/rung-0.ps")), "the finished rung's checkpoints are removed");
    }

    private static void copyFolder(Path from, Path to) throws java.io.IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    /**
     * A rung launched by the study's {@link ServerTrialLauncher} and cancelled as the scheduler
     * cancels a trial (its job group, its future) keeps its checkpoints as long as the trial may be
     * resumed; once the scheduler says the trial has ended for good ({@code ended}: cancelled,
     * timed out, failed) they are removed after the rung's thread has returned.
     */
    @Test
    void aCancelledTrialsRungCheckpointsAreRemovedOnceItHasEndedForGood(@TempDir Path tmp) throws Exception {
        ServerTrialLauncher launcher = new ServerTrialLauncher(new TrialServer(TrialServer.Settings.of(checkpointEvery5(), sc,
                new StallAt(12)), baseModel, base, line -> { }), 2, 1, LoopbackPorts.freeBase(2));
        try {
            STALLED.set(0);
            TrialRequest req = sparse(tmp);
            Future<String> rung = launcher.launch(sc, req, "trial-cancelled");
            awaitBothStalled();
            Path folder = tmp.resolve("rung-0.ps");
            assertTrue(Files.exists(new CheckpointStore(folder).file()), "a checkpoint was written");
            sc.cancelJobGroup("trial-cancelled");
            rung.cancel(true);
            awaitNoActiveJob();
            Thread.sleep(2_000);
            assertTrue(Files.exists(folder), "a stopped rung keeps its checkpoints while its trial may be resumed");
            launcher.ended(req);
            assertTrue(launcher.awaitEnded(60), "the removal ran");
            assertFalse(Files.exists(folder), "the trial has ended for good: its rung checkpoints are removed");
            assertTrue(Files.exists(tmp), "the trial's folder stays");
        } finally {
            launcher.shutdown();
        }
    }

    /** A rung whose checkpoint folder holds a damaged file sets it aside, says so, and runs from its beginning. */
    @Test
    void aRungWhoseCheckpointIsRefusedSetsItAsideAndStartsAfresh(@TempDir Path tmp) throws Exception {
        JobConfig every5 = checkpointEvery5();
        Path folder = Files.createDirectories(tmp.resolve("rung-0.ps"));
        Files.write(new CheckpointStore(folder).file(), new byte[] {'P', 'F', 'C', 'K', 3, 0, 0, 0, 1, 2, 3});
        List<String> lines = new CopyOnWriteArrayList<>();
        TrialServer.Outcome o = new TrialServer(TrialServer.Settings.of(every5, sc, NopWorkerHook.INSTANCE), baseModel,
                base, lines::add).run(sc, sparse(tmp), 2, LoopbackPorts.freeBase(2), "trial-refused");
        assertEquals(TrialResult.COMPLETE, o.result().status(), o.result().reason());
        assertTrue(lines.stream().anyMatch(l -> l.contains("cannot resume from its checkpoint") && l.contains("damaged")
                && l.contains("starts from its beginning")), String.join("\n", lines));
        assertTrue(lines.stream().noneMatch(l -> l.contains("resumed at its step")), String.join("\n", lines));
        try (var aside = Files.list(tmp)) {
            assertEquals(1, aside.filter(p -> p.getFileName().toString().startsWith("rung-0.ps.refused-")).count(),
                    "the refused folder is kept aside");
        }
        assertFalse(Files.exists(folder), "the rung's own checkpoints are removed once it ended");
    }

    /**
     * Runs {@link #sparse} in {@code dir} with every worker stalled after its push at version 12,
     * so that the server's newest checkpoint is step 10, then interrupts the rung's thread as a
     * stopping driver does and waits until it and its workers' job have ended.
     */
    private static void stopAtVersion12(JobConfig c, Path dir, int port, String group) throws InterruptedException {
        STALLED.set(0);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread stopped = startRung(() -> new TrialServer(TrialServer.Settings.of(c, sc, new StallAt(12)), baseModel, base,
                line -> { }).run(sc, sparse(dir), 2, port, group), thrown);
        awaitBothStalled();
        assertTrue(Files.exists(new CheckpointStore(dir.resolve("rung-0.ps")).file()), "a checkpoint was written");
        stopped.interrupt();
        stopped.join(30_000);
        assertFalse(stopped.isAlive(), "the stopped rung ended");
        assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
        awaitNoActiveJob();
    }

    private static void awaitBothStalled() throws InterruptedException {
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (STALLED.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(2, STALLED.get(), "both workers reached version 12");
    }

    private static void awaitNoActiveJob() throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (sc.statusTracker().getActiveJobIds().length > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    /** This class's Spark settings with rung checkpoints every 5 steps, and {@code more}. */
    private static JobConfig checkpointEvery5(String... more) {
        List<String> keys = new java.util.ArrayList<>(List.of("pocketflow.spark.master=local[2,2]", "spark.authenticate=true",
                "pocketflow.distributed.timeout-ms=20000", "pocketflow.distributed.codec=ecq",
                "pocketflow.distributed.rung-checkpoint-every=5"));
        keys.addAll(List.of(more));
        return JobConfig.load(Optional.empty(), keys);
    }

    /** Starts {@code rung} on a thread of its own; what it throws lands in {@code thrown}. */
    private static Thread startRung(Runnable rung, AtomicReference<Throwable> thrown) {
        Thread t = new Thread(() -> {
            try {
                rung.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        return t;
    }

    private static TrialRequest sparse(Path dir) {
        return request(dir, 1, "weight-sparsity", Budget.sparse(0.75));
    }

    /** Stalls every worker's first attempt after its push at version {@code step}, until its task is interrupted. */
    record StallAt(long step) implements WorkerHook {
        @Override
        public void afterPush(int workerId, int attempt, long s) {
            if (attempt == 0 && s == step) {
                STALLED.incrementAndGet();
                try {
                    Thread.sleep(600_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CancellationException("worker " + workerId + " stalled at version " + s + " and interrupted");
                }
            }
        }
    }

    /** Fails worker {@code worker}'s first attempt after its push at {@code step}. */
    record FailOnce(int worker, long step) implements WorkerHook {
        @Override
        public void afterPush(int workerId, int attempt, long s) {
            if (workerId == worker && attempt == 0 && s == step) {
                throw new IllegalStateException("injected failure of worker " + workerId + " at step " + s);
            }
        }
    }

    /** Counts every push. */
    record CountPushes() implements WorkerHook {
        @Override
        public void afterPush(int workerId, int attempt, long step) {
            PUSHES.incrementAndGet();
        }
    }
}
