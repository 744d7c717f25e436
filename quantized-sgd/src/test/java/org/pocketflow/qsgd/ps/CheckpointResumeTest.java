package org.pocketflow.qsgd.ps;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.qsgd.codec.EcqCodec;
import org.pocketflow.qsgd.codec.IdentityCodec;
import org.pocketflow.qsgd.ps.checkpoint.Checkpoint;
import org.pocketflow.qsgd.ps.checkpoint.CheckpointStore;
import org.pocketflow.qsgd.ps.optim.SgdParams;
import org.pocketflow.qsgd.ps.transport.AeronRuntimeExtension;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server checkpoints every K steps and a new server resumes exactly where it stopped. */
class CheckpointResumeTest {
    @RegisterExtension
    static final AeronRuntimeExtension AERON = new AeronRuntimeExtension();

    @Test
    void resumedTrainingEqualsAnUninterruptedRun(@TempDir Path dir) throws InterruptedException {
        LeastSquares problem = PsFixture.problem();
        float[] init = new float[PsFixture.DIM];
        ServerConfig base = ServerConfig.sync(PsFixture.freeLoopback(), PsFixture.WORKERS, 40);
        TrainingResult uninterrupted = PsFixture.train(AERON.runtime(), base, new IdentityCodec(), init, problem, null).result();

        ServerConfig first = ServerConfig.sync(PsFixture.freeLoopback(), PsFixture.WORKERS, 20).withCheckpoints(dir, 10, false);
        TrainingResult half = PsFixture.train(AERON.runtime(), first, new IdentityCodec(), init, problem, null).result();
        assertEquals(2, half.stats().checkpoints());
        Checkpoint saved = new CheckpointStore(dir).load().orElseThrow();
        assertEquals(20, saved.step());
        assertArrayEquals(half.params(), saved.params(), "the checkpoint holds the parameters of its step");

        ServerConfig second = ServerConfig.sync(PsFixture.freeLoopback(), PsFixture.WORKERS, 40).withCheckpoints(dir, 10, true);
        float[] other = new float[PsFixture.DIM];
        java.util.Arrays.fill(other, 7f); // ignored: the checkpoint wins
        try (ParameterServer resumed = new ParameterServer(AERON.runtime(), second, new IdentityCodec(), PsFixture.SGD, other)) {
            assertEquals(20, resumed.step());
        }
        TrainingResult rest = PsFixture.train(AERON.runtime(), second, new IdentityCodec(), other, problem, null).result();
        assertEquals(40, rest.stats().step());
        assertEquals(20L * PsFixture.WORKERS, rest.stats().accepted(), "only the remaining 20 steps ran");
        assertArrayEquals(uninterrupted.params(), rest.params(), "parameters and momentum restored exactly");
    }

    @Test
    void anEcqRunOfThreeWorkersResumesExactlyWithTheirEncoderStates(@TempDir Path dir) throws InterruptedException {
        LeastSquares problem = PsFixture.problem();
        float[] init = new float[PsFixture.DIM];
        ServerConfig base = ServerConfig.sync(PsFixture.freeLoopback(), PsFixture.WORKERS, 40).withCheckpoints(dir.resolve("whole"), 10, false);
        TrainingResult uninterrupted = PsFixture.train(AERON.runtime(), base, new EcqCodec(), init, problem, null).result();

        ServerConfig first = ServerConfig.sync(PsFixture.freeLoopback(), PsFixture.WORKERS, 20).withCheckpoints(dir, 10, false);
        PsFixture.train(AERON.runtime(), first, new EcqCodec(), init, problem, null);
        Checkpoint saved = new CheckpointStore(dir).load().orElseThrow();
        assertEquals(java.util.Set.of(0, 1, 2), saved.encoders().keySet(), "one encoder state per worker");
        for (org.pocketflow.qsgd.EncoderState e : saved.encoders().values()) {
            assertEquals(20, e.messagesEncoded());
            assertEquals(PsFixture.DIM, e.residual().length);
        }

        ServerConfig second = ServerConfig.sync(PsFixture.freeLoopback(), PsFixture.WORKERS, 40).withCheckpoints(dir, 10, true);
        TrainingResult rest = PsFixture.train(AERON.runtime(), second, new EcqCodec(), init, problem, null).result();
        assertEquals(40, rest.stats().step());
        assertEquals(20L * PsFixture.WORKERS, rest.stats().accepted(), "only the remaining 20 steps ran");
        assertArrayEquals(uninterrupted.params(), rest.params(), "residuals and rounding keys restored exactly");
    }

    /**
     * A server closed by an interrupted thread (a cancelled trial's) while its thread is writing a
     * checkpoint waits for that thread to end before it unbinds, and keeps the caller's interrupt:
     * nothing runs on a closed link and no checkpoint is written after close returns.
     */
    @Test
    void closingFromAnInterruptedThreadWaitsForTheServerThread(@TempDir Path dir) throws Exception {
        java.util.concurrent.CountDownLatch saving = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean saved = new java.util.concurrent.atomic.AtomicBoolean();
        org.pocketflow.qsgd.ps.checkpoint.CheckpointFolder local = org.pocketflow.qsgd.ps.checkpoint.CheckpointFolder.local(dir);
        org.pocketflow.qsgd.ps.checkpoint.CheckpointFolder slow = new org.pocketflow.qsgd.ps.checkpoint.CheckpointFolder() {
            @Override
            public byte[] read(String name) throws java.io.IOException {
                return local.read(name);
            }

            @Override
            public boolean exists(String name) throws java.io.IOException {
                return local.exists(name);
            }

            @Override
            public String writeTemporary(String prefix, byte[] bytes) throws java.io.IOException {
                saving.countDown();
                long until = System.nanoTime() + 1_500_000_000L;
                while (System.nanoTime() < until) {
                    java.util.concurrent.locks.LockSupport.parkNanos(until - System.nanoTime());
                }
                return local.writeTemporary(prefix, bytes);
            }

            @Override
            public void rename(String from, String to) throws java.io.IOException {
                local.rename(from, to);
                saved.set(true);
            }

            @Override
            public void delete(String name) throws java.io.IOException {
                local.delete(name);
            }

            @Override
            public String where(String name) {
                return local.where(name);
            }
        };
        ServerConfig config = ServerConfig.sync(PsFixture.freeLoopback(), 1, 100).withCheckpoints(null, 1, false);
        LeastSquares problem = PsFixture.problem();
        ParameterServer server = new ParameterServer(AERON.runtime(), config, slow, new IdentityCodec(),
                PsFixture.SGD.newOptimizer(PsFixture.DIM), new float[PsFixture.DIM]);
        TrainingWorker worker;
        try {
            server.start();
            worker = new TrainingWorker(AERON.runtime(), new WorkerConfig(0, PsFixture.freeLoopback(), server.address())
                    .withTimeoutMillis(5_000), problem, new IdentityCodec(), PsFixture.SEED, -1).start();
            assertTrue(saving.await(30, java.util.concurrent.TimeUnit.SECONDS), "the server writes its first checkpoint");
            Thread.currentThread().interrupt();
        } finally {
            server.close();
        }
        assertTrue(Thread.interrupted(), "the caller's interrupt is kept");
        assertTrue(saved.get(), "close waited for the checkpoint being written");
        String name = "pocketflow-ps-" + config.bind().port();
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals(name) && t.isAlive()),
                "the server thread has ended");
        worker.join(30_000);
    }

    @Test
    void resumeRefusesACheckpointOfAnotherOptimizer(@TempDir Path dir) {
        new CheckpointStore(dir).save(new Checkpoint(5, SgdParams.plain(0.1).newOptimizer(PsFixture.DIM).name(),
                new float[PsFixture.DIM], new float[PsFixture.DIM]));
        ServerConfig config = ServerConfig.sync(PsFixture.freeLoopback(), 1, 10).withCheckpoints(dir, 5, true);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ParameterServer(AERON.runtime(), config, new IdentityCodec(), PsFixture.SGD, new float[PsFixture.DIM]).close());
        assertTrue(e.getMessage().contains("use another checkpointDir"), e.getMessage());
    }

    @Test
    void aPlainOptimizerRefusesExtraStateItCannotRestore(@TempDir Path dir) {
        String name = PsFixture.SGD.newOptimizer(PsFixture.DIM).name();
        new CheckpointStore(dir).save(Checkpoint.withExtra(5, name, new float[PsFixture.DIM], new float[PsFixture.DIM],
                java.util.Map.of(), new byte[] {1, 2, 3}));
        ServerConfig config = ServerConfig.sync(PsFixture.freeLoopback(), 1, 10).withCheckpoints(dir, 5, true);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ParameterServer(AERON.runtime(), config, new IdentityCodec(), PsFixture.SGD, new float[PsFixture.DIM]).close());
        assertTrue(e.getMessage().contains("3 bytes of extra optimizer state") && e.getMessage().contains("delete"), e.getMessage());
    }
}
