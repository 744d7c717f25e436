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
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.distributed.LoopbackPorts;
import org.pocketflow.worker.distributed.NopWorkerHook;
import org.pocketflow.worker.distributed.WorkerHook;
import org.pocketflow.worker.distributed.WorkerReport;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.LearnerOptions;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.task.TrialRequest;
import org.pocketflow.worker.task.TrialResult;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * A trial's rung on two Spark tasks through its own parameter server ({@code local[2,2]}: task
 * retries on; {@code spark.authenticate=true}, so every message carries the trial's HMAC): a
 * worker whose task fails is retried and rejoins; an interrupted rung closes its server and ends
 * its workers, and the next rung on the same ports runs.
 */
class TrialServerTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";
    /** Pushes seen by {@link CountPushes} (executors are threads of this JVM in local mode). */
    static final AtomicLong PUSHES = new AtomicLong();
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
        TrialRequest.TrialContext ctx = new TrialRequest.TrialContext("file://" + DATA, 1200, 200, 0.2, 5,
                "channel-pruning", new LearnerOptions(true, "l1", 1, 0), Budget.macs(0.5), true, 0, 1, Map.of("seed", "5"));
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
        Thread rung = new Thread(() -> {
            try {
                server(new CountPushes()).run(sc, request(tmp.resolve("long"), 50), 2, port, "trial-long");
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        rung.start();
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
