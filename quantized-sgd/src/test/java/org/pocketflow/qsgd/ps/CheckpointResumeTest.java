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
