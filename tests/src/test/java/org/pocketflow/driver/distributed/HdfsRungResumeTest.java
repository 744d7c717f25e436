package org.pocketflow.driver.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.driver.SparkContexts;
import org.pocketflow.qsgd.ps.checkpoint.Checkpoint;
import org.pocketflow.qsgd.ps.checkpoint.CheckpointStore;
import org.pocketflow.tests.MiniHdfs;
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
 * A trial's rung on two Spark tasks ({@code local[2,2]}, {@code spark.authenticate=true}, ECQ with
 * the fp32 downlink) whose trial folder is on an in-process HDFS: the server writes its rung
 * checkpoints there ({@code hdfs://.../trials/00003/rung-0.ps/}); the rung stopped with both
 * workers stalled after version 12 and run again resumes at the checkpoint of step 10, its workers
 * compute the steps left only, and it ends as the same rung run uninterrupted, bit for bit; the
 * folder is gone from HDFS once the rung has ended.
 */
class HdfsRungResumeTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";
    /** Workers stalled by {@link StallAt} (executors are threads of this JVM in local mode). */
    static final AtomicInteger STALLED = new AtomicInteger();
    @RegisterExtension
    static final MiniHdfs HDFS = new MiniHdfs();
    private static JavaSparkContext sc;
    private static JobConfig config;
    private static byte[] base;
    private static Broadcast<byte[]> baseModel;

    @BeforeAll
    static void startSpark() throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)) || "true".equals(System.getenv("CI")), "Fashion-MNIST not installed");
        config = JobConfig.load(Optional.empty(), List.of("pocketflow.spark.master=local[2,2]", "spark.authenticate=true",
                "pocketflow.distributed.timeout-ms=20000", "pocketflow.distributed.codec=ecq",
                "pocketflow.distributed.downlink=fp32", "pocketflow.distributed.rung-checkpoint-every=5"));
        sc = SparkContexts.create(config, "hdfs-rung-resume-test");
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

    /** A 75% weight-sparsity rung of one epoch (30 steps on two workers) in {@code trialDir}. */
    private static TrialRequest sparse(String trialDir) {
        TrialRequest.TrialContext ctx = new TrialRequest.TrialContext("file://" + DATA, 1200, 200, 0.2, 5,
                "weight-sparsity", new LearnerOptions(true, "l1", 1, 0), Budget.sparse(0.75), true, 0, 1, Map.of("seed", "5"));
        FineTuneSpec ft = FineTuneSpec.of(new TrainingSpec(1, 16, 0.02, 0.9, 0, TrainingSpec.LrSchedule.COSINE, 9, 1000));
        return new TrialRequest(ctx, 3, 0, 0, 1, Map.of(), ft, "", trialDir);
    }

    private static TrialServer server(WorkerHook hook, List<String> lines) {
        return new TrialServer(TrialServer.Settings.of(config, sc, hook), baseModel, base, lines::add);
    }

    @Test
    void aRungStoppedOnHdfsResumesFromItsCheckpointThere() throws Exception {
        FileSystem fs = HDFS.fs();
        String whole = HDFS.uri() + "/runs/whole/trials/00003";
        String resumed = HDFS.uri() + "/runs/resumed/trials/00003";
        org.apache.hadoop.fs.Path checkpoint = new org.apache.hadoop.fs.Path(resumed + "/rung-0.ps/ps-checkpoint.pfck");
        int port = LoopbackPorts.freeBase(2);

        TrialServer.Outcome uninterrupted = server(NopWorkerHook.INSTANCE, new CopyOnWriteArrayList<>())
                .run(sc, sparse(whole), 2, port, "trial-whole");
        assertEquals(TrialResult.COMPLETE, uninterrupted.result().status(), uninterrupted.result().reason());
        assertTrue(uninterrupted.result().checkpoint().startsWith("hdfs://"), uninterrupted.result().checkpoint());
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path(whole + "/rung-0.ps")), "the finished rung's checkpoints are removed");

        STALLED.set(0);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread stopped = new Thread(() -> {
            try {
                server(new StallAt(12), new CopyOnWriteArrayList<>()).run(sc, sparse(resumed), 2, port, "trial-stopped");
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        stopped.start();
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (STALLED.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(2, STALLED.get(), "both workers reached version 12");
        assertTrue(fs.exists(checkpoint), "the server wrote its checkpoint on HDFS");
        stopped.interrupt();
        stopped.join(30_000);
        assertFalse(stopped.isAlive(), "the stopped rung ended");
        assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
        assertTrue(fs.exists(checkpoint), "an interrupted rung keeps its checkpoints");
        deadline = System.nanoTime() + 30_000_000_000L;
        while (sc.statusTracker().getActiveJobIds().length > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }

        List<String> lines = new CopyOnWriteArrayList<>();
        TrialServer.Outcome again = server(NopWorkerHook.INSTANCE, lines).run(sc, sparse(resumed), 2, port, "trial-resumed");
        assertEquals(TrialResult.COMPLETE, again.result().status(), again.result().reason());
        assertTrue(lines.stream().anyMatch(l -> l.contains("resumed at its step 10 from " + HDFS.uri())), String.join("\n", lines));
        long wholeSteps = uninterrupted.reports().stream().filter(r -> r.workerId() == 0).mapToLong(WorkerReport::steps).sum();
        assertTrue(again.reports().stream().allMatch(r -> r.outcome() == WorkerReport.Outcome.FINISHED
                && r.steps() == wholeSteps - 10), "each worker computed the remaining steps only: " + again.reports());
        assertArrayEquals(ModelFiles.load(uninterrupted.result().checkpoint()).params().toFloatVector(),
                ModelFiles.load(again.result().checkpoint()).params().toFloatVector(), 0f, "resumed on HDFS = uninterrupted");
        assertEquals(uninterrupted.result().validationAccuracy(), again.result().validationAccuracy(), 0.0);
        assertFalse(fs.exists(checkpoint.getParent()), "the finished rung's checkpoints are removed from HDFS");
    }

    /**
     * The server's {@code CheckpointStore} on HDFS ({@link HadoopCheckpointFolder}): it keeps the
     * last two checkpoints and no temporary file, and falls back to the older when the newer is
     * damaged, as on a local folder.
     */
    @Test
    void theCheckpointStoreOnHdfsKeepsTheLastTwoAndFallsBackFromADamagedOne() throws Exception {
        FileSystem fs = HDFS.fs();
        org.apache.hadoop.fs.Path dir = fs.makeQualified(new org.apache.hadoop.fs.Path("/runs/store/rung-0.ps"));
        CheckpointStore store = new CheckpointStore(new HadoopCheckpointFolder(fs, dir));
        assertTrue(store.load().isEmpty(), "no folder yet: nothing to resume from");
        Checkpoint a = Checkpoint.withExtra(10, "sgd", new float[] {1, 2, 3}, new float[] {0, 0, 0}, Map.of(), new byte[] {7});
        Checkpoint b = Checkpoint.withExtra(20, "sgd", new float[] {4, 5, 6}, new float[] {1, 1, 1}, Map.of(), new byte[] {8});
        Checkpoint c = Checkpoint.withExtra(30, "sgd", new float[] {7, 8, 9}, new float[] {2, 2, 2}, Map.of(), new byte[] {9});
        store.save(a);
        store.save(b);
        store.save(c);
        assertEquals(c, store.load().orElseThrow());
        List<String> names = java.util.Arrays.stream(fs.listStatus(dir)).map(f -> f.getPath().getName()).sorted().toList();
        assertEquals(List.of("ps-checkpoint.pfck", "ps-checkpoint.prev.pfck"), names, "the last two, no temporary file");
        assertTrue(store.where().startsWith(HDFS.uri()), store.where());
        org.apache.hadoop.fs.Path newest = new org.apache.hadoop.fs.Path(dir, "ps-checkpoint.pfck");
        byte[] bytes;
        try (var in = fs.open(newest)) {
            bytes = in.readAllBytes();
        }
        bytes[bytes.length / 2] ^= 0x40;
        try (var out = fs.create(newest, true)) {
            out.write(bytes);
        }
        assertEquals(b, store.load().orElseThrow(), "the newer one is damaged: resume from the older");
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
}
