package org.pocketflow.worker.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pocketflow.qsgd.codec.IdentityCodec;
import org.pocketflow.qsgd.ps.ExchangeMode;
import org.pocketflow.qsgd.ps.ParameterServer;
import org.pocketflow.qsgd.ps.ServerConfig;
import org.pocketflow.qsgd.ps.TrainingResult;
import org.pocketflow.qsgd.ps.checkpoint.Checkpoint;
import org.pocketflow.qsgd.ps.checkpoint.CheckpointStore;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.worker.distributed.JvmAeron;
import org.pocketflow.worker.distributed.LoopbackPorts;
import org.pocketflow.worker.distributed.WorkerHook;
import org.pocketflow.worker.distributed.WorkerReport;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.model.ModelFiles;

/**
 * A trial's rung through the parameter server (real Aeron on loopback, worker threads) stopped
 * after k steps and resumed by a new server from its checkpoint, which carries the learner's hook
 * state: the result equals the uninterrupted rung's bit for bit. Damaged, foreign-version and
 * other learners' hook states are refused with their reason.
 */
class TrialResumeTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";
    private static final byte[] KEY = "trial-key".getBytes();
    /** Checkpoint cadence and the step the first run stops at (of the rung's 16). */
    private static final int EVERY = 6;

    /** Ends worker 0 (by throwing) right after it pushed its gradient for version {@code lastVersion}. */
    private record StopAfter(long lastVersion) implements WorkerHook {
        @Override
        public void afterPush(int workerId, int attempt, long step) {
            if (step >= lastVersion) {
                throw new IllegalStateException("stopped by the test after version " + step);
            }
        }
    }

    static Stream<Arguments> learners() {
        return Stream.of(
                Arguments.of("weight-sparsity", Budget.sparse(0.75)),
                Arguments.of("uniform-quant", Budget.bits(4)),
                Arguments.of("nonuniform-quant", Budget.bits(4)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("learners")
    void aRungStoppedAfterKStepsAndResumedFromItsCheckpointEqualsTheUninterruptedRung(String learner, Budget budget,
                                                                                      @TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)) || "true".equals(System.getenv("CI")), "Fashion-MNIST not installed");
        byte[] base = TrialWorkerTest.baseZip();
        TrialResult whole = TrialWorkerTest.throughServer(request(tmp.resolve("whole"), learner, budget), base, 1);

        Path checkpoints = tmp.resolve("ps");
        TrialRequest req = request(tmp.resolve("resumed"), learner, budget);
        assertEquals(EVERY, stopAt(req, base, checkpoints, EVERY), "the first run stopped at its checkpoint");
        TrialResult resumed = resume(req, base, checkpoints);

        assertEquals(TrialResult.COMPLETE, whole.status(), whole.reason());
        assertEquals(TrialResult.COMPLETE, resumed.status(), resumed.reason());
        float[] a = ModelFiles.load(whole.checkpoint()).params().toFloatVector();
        float[] b = ModelFiles.load(resumed.checkpoint()).params().toFloatVector();
        double maxDiff = TrialWorkerTest.maxAbsDiff(a, b);
        System.out.printf("[trial-resume] %s: stopped at step %d of 16, resumed: max |resumed - whole| %.3g, validation"
                        + " %.4f vs %.4f, packed tensors %d vs %d bytes, checkpoint %d bytes%n", learner, EVERY, maxDiff,
                resumed.validationAccuracy(), whole.validationAccuracy(), resumed.tensorBytes(), whole.tensorBytes(),
                Files.size(new CheckpointStore(checkpoints).file()));
        assertArrayEquals(a, b, 0f, learner + ": resumed differs from uninterrupted by up to " + maxDiff);
        assertEquals(whole.tensorBytes(), resumed.tensorBytes(), learner + ": the same packed tensors");
        assertEquals(whole.validationAccuracy(), resumed.validationAccuracy(), 0.0, learner + ": validation accuracy");
    }

    @Test
    void damagedForeignVersionAndOtherLearnersHookStatesAreRefusedWithTheirReason(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)) || "true".equals(System.getenv("CI")), "Fashion-MNIST not installed");
        byte[] base = TrialWorkerTest.baseZip();
        TrialRequest sparse = request(tmp, "weight-sparsity", Budget.sparse(0.75));
        TrialMaster m = TrialMaster.prepare(sparse, base, 1, 0, line -> { });
        float[] init = m.initialParams();
        byte[] state = m.optimizer().extraState();
        String name = m.optimizer().name();
        assertTrue(name.endsWith("magnitude-mask/1"), name);

        byte[] future = state.clone();
        ByteBuffer.wrap(future).putInt(4, 2);
        reseal(future);
        assertTrue(refusal(sparse, base, tmp.resolve("v2"), Checkpoint.withExtra(0, name, init, m.optimizer().state(),
                Map.of(), future)).contains("hook state has format version 2, this build reads 1"));

        byte[] flipped = state.clone();
        flipped[flipped.length / 2] ^= 0x10;
        assertTrue(refusal(sparse, base, tmp.resolve("flip"), Checkpoint.withExtra(0, name, init, m.optimizer().state(),
                Map.of(), flipped)).contains("hook state is damaged: its CRC32C does not match"));

        assertTrue(refusal(sparse, base, tmp.resolve("none"), Checkpoint.withExtra(0, name, init, m.optimizer().state(),
                Map.of(), new byte[0])).contains("hook state of 0 bytes is too short"), "a checkpoint of format 2");

        TrialMaster q = TrialMaster.prepare(request(tmp, "uniform-quant", Budget.bits(4)), base, 1, 0, line -> { });
        float[] qInit = q.initialParams();
        assertTrue(refusal(sparse, base, tmp.resolve("quant"), Checkpoint.withExtra(0, q.optimizer().name(), qInit,
                q.optimizer().state(), Map.of(), q.optimizer().extraState())).contains("but this server has " + name),
                "another learner's checkpoint");

        Path damaged = tmp.resolve("file");
        new CheckpointStore(damaged).save(Checkpoint.withExtra(0, name, init, m.optimizer().state(), Map.of(), state));
        byte[] file = Files.readAllBytes(new CheckpointStore(damaged).file());
        file[file.length - 9] ^= 1;
        Files.write(new CheckpointStore(damaged).file(), file);
        String why = assertThrows(IllegalStateException.class, () -> server(sparse, base, damaged)).getMessage();
        assertTrue(why.contains("is damaged (CRC32C does not match)") && why.contains("delete"), why);
    }

    /** The message of the refusal of a resume from {@code c}. */
    private static String refusal(TrialRequest req, byte[] base, Path dir, Checkpoint c) {
        new CheckpointStore(dir).save(c);
        String why = assertThrows(IllegalStateException.class, () -> server(req, base, dir)).getMessage();
        assertTrue(why.contains("delete") || why.contains("use another checkpointDir"), "says what to do: " + why);
        return why;
    }

    /** A fresh rung's server set to resume from {@code dir}; closed at once. */
    private static void server(TrialRequest req, byte[] base, Path dir) {
        TrialMaster master = TrialMaster.prepare(req, base, 1, 0, line -> { });
        ServerConfig config = config(master, LoopbackPorts.freeBase(1)).withCheckpoints(dir, EVERY, true);
        new ParameterServer(JvmAeron.get(), config, new IdentityCodec(), master.optimizer(), master.initialParams()).close();
    }

    /** Recomputes the hook state's CRC32C after an edit. */
    private static void reseal(byte[] state) {
        CRC32C crc = new CRC32C();
        crc.update(state, 0, state.length - 4);
        ByteBuffer.wrap(state).putInt(state.length - 4, (int) crc.getValue());
    }

    private static TrialRequest request(Path dir, String learner, Budget budget) {
        return TrialWorkerTest.request(dir, learner, budget, TrialWorkerTest.fineTune(0.01), 0, 0, 1, "");
    }

    private static ServerConfig config(TrialMaster master, int port) {
        return new ServerConfig(new Address(Address.LOOPBACK, port), 1, ExchangeMode.SYNC, 0, 60_000, 120_000,
                master.totalSteps(), KEY, null, 0, false);
    }

    /** Runs {@code req} on one worker with checkpoints every {@code every} steps until the checkpoint of step {@code every}. */
    private static long stopAt(TrialRequest req, byte[] base, Path checkpoints, int every) throws Exception {
        TrialMaster master = TrialMaster.prepare(req, base, 1, 0, line -> { });
        int port = LoopbackPorts.freeBase(1);
        ServerConfig config = config(master, port).withCheckpoints(checkpoints, every, false);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (ParameterServer server = new ParameterServer(JvmAeron.get(), config, new IdentityCodec(), master.optimizer(),
                master.initialParams())) {
            server.start();
            Future<WorkerReport> worker = pool.submit(() -> TrialWorker.run(workerRequest(req, port, new StopAfter(every - 1)),
                    base, 0, 0, Address.LOOPBACK, JvmAeron.get(), line -> { }));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (server.step() < every && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThrows(Exception.class, () -> worker.get(1, TimeUnit.MINUTES), "the worker was stopped");
            assertEquals(1, server.stats().checkpoints(), "one checkpoint written");
            return server.step();
        } finally {
            pool.shutdownNow();
        }
    }

    /** A new rung of {@code req} whose server resumes from {@code checkpoints}, run to its end. */
    private static TrialResult resume(TrialRequest req, byte[] base, Path checkpoints) throws Exception {
        TrialMaster master = TrialMaster.prepare(req, base, 1, 0, line -> { });
        int port = LoopbackPorts.freeBase(1);
        ServerConfig config = config(master, port).withCheckpoints(checkpoints, EVERY, true);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (ParameterServer server = new ParameterServer(JvmAeron.get(), config, new IdentityCodec(), master.optimizer(),
                master.initialParams())) {
            assertEquals(EVERY, server.step(), "resumes at the checkpoint's step");
            server.start();
            Future<WorkerReport> worker = pool.submit(() -> TrialWorker.run(workerRequest(req, port, null), base, 0, 0,
                    Address.LOOPBACK, JvmAeron.get(), line -> { }));
            TrainingResult result = server.await(10, TimeUnit.MINUTES);
            WorkerReport report = worker.get(2, TimeUnit.MINUTES);
            assertEquals(WorkerReport.Outcome.FINISHED, report.outcome());
            assertEquals(master.totalSteps() - EVERY, report.steps(), "the worker computed the remaining steps only");
            assertEquals(master.totalSteps(), result.stats().step());
            return master.finish(result.params());
        } finally {
            pool.shutdownNow();
        }
    }

    private static TrialWorkerRequest workerRequest(TrialRequest req, int port, WorkerHook hook) {
        return new TrialWorkerRequest(req, 1, new IdentityCodec(), Address.LOOPBACK, port, 60_000, KEY, hook, 0L, 0, false);
    }
}
