package org.pocketflow.worker.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pocketflow.qsgd.codec.EcqCodec;
import org.pocketflow.qsgd.codec.IdentityCodec;
import org.pocketflow.qsgd.ps.ExchangeMode;
import org.pocketflow.qsgd.ps.wire.RejectReason;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.train.ImageSetEpochs;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/** Distributed training of LeNet on Fashion-MNIST through the parameter server, in one JVM. */
class PartitionTrainerTest {
    private static final long SEED = 20180710;

    @BeforeAll
    static void needsData() {
        assumeTrue(Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist")), "Fashion-MNIST not installed");
    }

    private static DistributedRequest request(int trainLimit, int workers, TrainingSpec spec, ExchangeMode mode,
                                              org.pocketflow.qsgd.GradientCodec codec) {
        return new DistributedRequest(InJvmRun.DATA, trainLimit, 0.0, "lenet", spec, SEED, workers, mode, codec,
                "127.0.0.1", LoopbackPorts.freeBase(workers), "job-secret".getBytes(), 60_000, true, NopWorkerHook.INSTANCE);
    }

    @Test
    void oneWorkerThroughTheServerMatchesLocalTraining() throws Exception {
        TrainingSpec spec = new TrainingSpec(1, 32, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, SEED, 1000);
        DistributedRequest req = request(192, 1, spec, ExchangeMode.SYNC, new IdentityCodec());
        InJvmRun.Outcome run = InJvmRun.run(req, 60_000, 16);
        assertEquals(6, run.result().stats().step());
        assertMatchesLocalTraining(req, spec, run.result().params(), "lenet");
    }

    @Test
    void aRunResumedFromItsCheckpointEqualsTheUninterruptedRun(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // 192 images, batch 32: 6 steps an epoch, 2 epochs; the checkpoint at step 8 lies inside epoch 1
        TrainingSpec spec = new TrainingSpec(2, 32, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, SEED, 1000);
        DistributedRequest whole = request(192, 1, spec, ExchangeMode.SYNC, new IdentityCodec());
        float[] uninterrupted = InJvmRun.run(whole, 60_000, 16).result().params();

        DistributedRequest first = request(192, 1, spec, ExchangeMode.SYNC, new IdentityCodec());
        InJvmRun.Outcome stopped = InJvmRun.run(first, 60_000, 16, c -> c.withTotalSteps(8).withCheckpoints(dir, 8, false));
        assertEquals(8, stopped.result().stats().step());
        DistributedRequest second = request(192, 1, spec, ExchangeMode.SYNC, new IdentityCodec());
        InJvmRun.Outcome resumed = InJvmRun.run(second, 60_000, 16, c -> c.withCheckpoints(dir, 8, true));
        assertEquals(12, resumed.result().stats().step());
        assertEquals(4, resumed.result().stats().accepted(), "only the 4 steps after the checkpoint ran");
        float[] r = resumed.result().params();
        double worst = 0;
        for (int i = 0; i < r.length; i++) {
            worst = Math.max(worst, Math.abs(r[i] - uninterrupted[i]));
        }
        assertTrue(worst < 1e-5, "the resumed worker continues the data order at epoch 1, minibatch 2; largest difference "
                + worst);
    }

    @Test
    void anEcqRunResumedFromItsCheckpointEqualsTheUninterruptedRun(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // as above with error feedback: the checkpoint at step 8 holds the worker's residual and message count,
        // which the server hands back on the rejoin
        TrainingSpec spec = new TrainingSpec(2, 32, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, SEED, 1000);
        float[] uninterrupted = InJvmRun.run(request(192, 1, spec, ExchangeMode.SYNC, new EcqCodec()), 60_000, 16,
                c -> c.withCheckpoints(dir.resolve("whole"), 8, false)).result().params();

        InJvmRun.Outcome stopped = InJvmRun.run(request(192, 1, spec, ExchangeMode.SYNC, new EcqCodec()), 60_000, 16,
                c -> c.withTotalSteps(8).withCheckpoints(dir, 8, false));
        assertEquals(8, stopped.result().stats().step());
        InJvmRun.Outcome resumed = InJvmRun.run(request(192, 1, spec, ExchangeMode.SYNC, new EcqCodec()), 60_000, 16,
                c -> c.withCheckpoints(dir, 8, true));
        assertEquals(12, resumed.result().stats().step());
        assertEquals(4, resumed.result().stats().accepted(), "only the 4 steps after the checkpoint ran");
        float[] r = resumed.result().params();
        double worst = 0;
        for (int i = 0; i < r.length; i++) {
            worst = Math.max(worst, Math.abs(r[i] - uninterrupted[i]));
        }
        assertTrue(worst < 1e-5, "the resumed worker continues its residual and rounding keys; largest difference " + worst);
    }

    /**
     * Trains {@code req}'s network locally, in worker 0's data order, and asserts that local
     * training moved the weights and that {@code distributed} (the server's result) equals it bit
     * for bit: the server's optimizer rounds as DL4J's updater does, so one worker through the
     * server computes exactly what local training computes.
     */
    static void assertMatchesLocalTraining(DistributedRequest req, TrainingSpec spec, float[] distributed, String what) {
        float[][] run = localTraining(req, spec);
        float[] initial = run[0];
        float[] expected = run[1];

        double moved = 0;
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            moved = Math.max(moved, Math.abs(expected[i] - initial[i]));
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - distributed[i]));
        }
        assertTrue(moved > 1e-2, what + ": local training should move the weights, moved " + moved);
        assertTrue(maxDiff == 0, what + ": server training differs from local training by " + maxDiff
                + " (weights moved " + moved + ")");
    }

    /**
     * The initial and trained parameters of {@code req}'s network trained locally in worker 0's data
     * order, on a fresh thread set up as a worker's ({@link Backend#configure}): the native state
     * of the test's own thread, left by earlier tests, must not change the arithmetic.
     */
    private static float[][] localTraining(DistributedRequest req, TrainingSpec spec) {
        java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            return thread.submit(() -> {
                Backend.configure(req.onednn());
                IdxDataset data = IdxDataset.open(req.dataUri(), req.trainLimit(), 16);
                ImageSet train = PartitionTrainer.trainSplit(req, data);
                int batch = spec.batchSize();
                ComputationGraph local = Trainer.withOptimizer(MasterModel.initialGraph(req, data), spec,
                        train.batchCount(batch));
                float[] initial = local.params().toFloatVector();
                new Trainer(spec, line -> { }).fit(local, new ImageSetEpochs(train, Normalizer.fit(train), batch,
                        PartitionTrainer.dataSeed(req.seed(), 0)));
                return new float[][] {initial, local.params().toFloatVector()};
            }).get();
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError("local training failed", e);
        } finally {
            thread.shutdownNow();
        }
    }

    @Test
    void twoWorkersWithEcqTrainLeNetOnFashionMnist() throws Exception {
        TrainingSpec spec = new TrainingSpec(1, 16, 0.02, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, SEED, 20);
        DistributedRequest req = request(3000, 2, spec, ExchangeMode.SYNC, new EcqCodec());
        InJvmRun.Outcome run = InJvmRun.run(req, 60_000, 2000);

        assertEquals(run.model().plan().totalSteps(), run.result().stats().step());
        assertEquals(0, run.result().stats().rejectedTotal(), run.result().stats().toString());
        for (Object r : run.reports()) {
            WorkerReport report = assertInstanceOf(WorkerReport.class, r);
            assertEquals(WorkerReport.Outcome.FINISHED, report.outcome());
            assertEquals(94, report.steps());
            // ECQ: about 2 bits per element plus scales, far below 32
            assertTrue(report.bytesSent() * 8.0 / report.steps() / run.model().initialParams().length < 3, report.toString());
        }
        double accuracy = run.model().evaluate(run.result().params()).accuracy();
        assertTrue(accuracy > 0.70, "test accuracy " + accuracy);
    }

    @Test
    void aWorkerKilledMidTrainingIsDroppedAndTheOthersFinish() throws Exception {
        TrainingSpec spec = new TrainingSpec(1, 32, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, SEED, 1000);
        DistributedRequest req = request(640, 2, spec, ExchangeMode.SYNC, new EcqCodec()).withHook(new KillWorker(1, 3));
        InJvmRun.Outcome run = InJvmRun.run(req, 4_000, 16);

        assertEquals(run.model().plan().totalSteps(), run.result().stats().step());
        assertEquals(Set.of(1), run.result().stats().dropped());
        assertEquals(WorkerReport.Outcome.FINISHED, assertInstanceOf(WorkerReport.class, run.reports().get(0)).outcome());
        assertInstanceOf(KillWorker.Killed.class, run.reports().get(1));
        assertEquals(0, run.result().stats().rejected(RejectReason.UNAUTHENTICATED));
    }
}
