package org.pocketflow.driver.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.driver.SparkContexts;
import org.pocketflow.qsgd.ps.wire.RejectReason;
import org.pocketflow.worker.distributed.LoopbackPorts;
import org.pocketflow.worker.distributed.NopWorkerHook;
import org.pocketflow.worker.distributed.WorkerReport;

/**
 * The Spark side on {@code local[2]} with {@code spark.authenticate=true} (Spark generates the
 * job secret in local mode): two tasks train LeNet through the server in the driver, messages
 * carry HMACs keyed from that secret; a job whose workers all die leaves a checkpoint that a
 * rerun in the same run directory resumes from.
 */
class DistributedTrainerTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void startSpark() {
        assumeTrue(Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist")), "Fashion-MNIST not installed");
        sc = SparkContexts.create(config(List.of()), "distributed-trainer-test");
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.close();
        }
    }

    private static JobConfig config(List<String> extra) {
        List<String> o = new ArrayList<>(List.of("pocketflow.spark.master=local[2]", "spark.authenticate=true",
                "pocketflow.data.train-limit=1200", "pocketflow.data.test-limit=1000", "pocketflow.data.validation-fraction=0",
                "pocketflow.train.epochs=1", "pocketflow.train.batch-size=16", "pocketflow.train.learning-rate=0.02",
                "pocketflow.distributed.workers=2", "pocketflow.distributed.timeout-ms=5000",
                "pocketflow.distributed.port-base=" + LoopbackPorts.freeBase(2)));
        o.addAll(extra);
        return JobConfig.load(Optional.empty(), o);
    }

    @Test
    void twoTasksTrainLeNetWithMessagesAuthenticatedByTheSparkSecret(@TempDir Path run) {
        DistributedResult r = new DistributedTrainer(config(List.of("pocketflow.distributed.codec=ecq-rl")), line -> { },
                NopWorkerHook.INSTANCE).train(sc, run.toUri().toString());

        assertTrue(r.authenticated());
        assertEquals(r.totalSteps(), r.stats().step());
        assertEquals(0, r.stats().rejectedTotal(), r.stats().toString());
        assertEquals(2, r.workers().size());
        r.workers().forEach(w -> assertEquals(WorkerReport.Outcome.FINISHED, w.outcome(), w.toString()));
        double fp32PerStep = 2 * 4.0 * r.parameters();
        assertTrue(r.gradientBytesPerStep() * 16 <= fp32PerStep, "ECQ gradients of two workers should be >= 16x smaller than"
                + " fp32: " + r);
        // each worker gets one full copy when it joins and one with the final parameters; every other step is an update
        double updatesPerStep = (r.paramBytesPerStep() * r.totalSteps() - 2 * 2 * 4.0 * r.parameters()) / r.totalSteps();
        assertTrue(updatesPerStep * 16 <= fp32PerStep, "ECQ parameter updates to two workers should be >= 16x smaller"
                + " than fp32: " + updatesPerStep + " bytes per step, " + r);
        assertTrue(r.testAccuracy() > 0.6, "test accuracy " + r.testAccuracy());
        assertTrue(Files.isRegularFile(run.resolve("model.zip")));
        assertEquals(0, r.stats().rejected(RejectReason.UNAUTHENTICATED));
    }

    @Test
    void codecAutoCompressesBothWaysOnASlowEmulatedLink(@TempDir Path run) {
        List<String> lines = new ArrayList<>();
        DistributedResult r = new DistributedTrainer(config(List.of("pocketflow.distributed.link-mbit=50")), lines::add,
                NopWorkerHook.INSTANCE).train(sc, run.toUri().toString());

        String decision = lines.stream().filter(l -> l.startsWith("codec auto chose")).findFirst().orElseThrow(
                () -> new AssertionError("no decision in " + lines));
        assertTrue(decision.startsWith("codec auto chose ecq"), "fp32 at 50 Mbit/s costs 0.28 s per message: " + decision);
        assertEquals(0, r.stats().rejectedTotal(), "workers switch to the server's codec: " + r.stats());
        assertTrue(r.paramBytesPerStep() * 4 < 2 * 4.0 * r.parameters(), "most steps went down compressed: " + r);
        assertTrue(r.testAccuracy() > 0.6, "test accuracy " + r.testAccuracy());
    }

    @Test
    void asyncModeAppliesEveryGradientAsAStep(@TempDir Path run) {
        // asynchrony adds momentum of its own (about 1 - 1/workers): with 0.9 on top, two workers diverged
        DistributedResult r = new DistributedTrainer(config(List.of("pocketflow.distributed.mode=async",
                "pocketflow.train.momentum=0.5",
                "pocketflow.distributed.staleness=1", "pocketflow.distributed.codec=identity")), line -> { },
                NopWorkerHook.INSTANCE).train(sc, run.toUri().toString());

        assertEquals(2 * 38, r.totalSteps());
        assertEquals(r.totalSteps(), r.stats().step());
        long pushed = r.workers().stream().mapToLong(WorkerReport::steps).sum();
        long counted = r.stats().accepted() + r.stats().rejected(RejectReason.STALE);
        // each worker may have one gradient in flight when the last step is applied; it is never counted
        assertTrue(counted <= pushed && pushed <= counted + 2, pushed + " pushed, " + r.stats());
        assertTrue(r.testAccuracy() > 0.5, "test accuracy " + r.testAccuracy());
    }

    @Test
    void aRestartedJobResumesFromTheLastCheckpoint(@TempDir Path run) {
        JobConfig c = config(List.of("pocketflow.distributed.checkpoint-every=3", "pocketflow.distributed.timeout-ms=3000"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new DistributedTrainer(c, line -> { }, new KillAllWorkers(7)).train(sc, run.toUri().toString()));
        assertTrue(e.getMessage().contains("dropped"), e.getMessage());
        assertTrue(Files.isRegularFile(run.resolve("ps-checkpoint.pfck")));

        DistributedResult r = new DistributedTrainer(c, line -> { }, NopWorkerHook.INSTANCE).train(sc, run.toUri().toString());
        assertEquals(6, r.resumedFromStep());
        assertEquals(r.totalSteps(), r.stats().step());
        assertEquals(r.totalSteps() - 6, r.workers().get(0).steps());
    }

    @Test
    void refusesMoreWorkersThanTheMasterRunsAtOnce(@TempDir Path run) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DistributedTrainer(
                config(List.of("pocketflow.distributed.workers=3")), line -> { }, NopWorkerHook.INSTANCE)
                .train(sc, run.toUri().toString()));
        assertTrue(e.getMessage().contains("pocketflow.distributed.workers = 3") && e.getMessage().contains("Fix"), e.getMessage());
    }

    @Test
    void refusesCheckpointsOnARunDirectoryWhoseSchemeHasNoFileSystem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DistributedTrainer(
                config(List.of("pocketflow.distributed.checkpoint-every=3")), line -> { }, NopWorkerHook.INSTANCE)
                .train(sc, "nofs://host/runs/job"));
        assertTrue(e.getMessage().contains("nofs://host/runs/job") && e.getMessage().contains("no file system for the scheme"
                + " 'nofs'") && e.getMessage().contains("Fix: set pocketflow.run.root"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
