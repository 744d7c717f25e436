package org.pocketflow.qsgd.ps;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.qsgd.codec.IdentityCodec;
import org.pocketflow.qsgd.ps.transport.AeronRuntimeExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What fails on the server thread, even inside Aeron's fragment handler, fails the job with its cause. */
class ServerErrorPathTest {
    @RegisterExtension
    static final AeronRuntimeExtension AERON = new AeronRuntimeExtension();

    @Test
    void aFailingCheckpointDiskFailsTheJobWithItsCauseAndTheStepDoesNotAdvance(@TempDir Path tmp) throws Exception {
        Path disk = Files.createFile(tmp.resolve("not-a-folder"));
        ServerConfig config = ServerConfig.sync(PsFixture.freeLoopback(), PsFixture.WORKERS, 40).withWorkerTimeoutMillis(20_000)
                .withCheckpoints(disk.resolve("checkpoints"), 5, false);
        LeastSquares problem = PsFixture.problem();
        try (ParameterServer server = new ParameterServer(AERON.runtime(), config, new IdentityCodec(), PsFixture.SGD, new float[PsFixture.DIM])) {
            server.start();
            List<TrainingWorker> workers = new ArrayList<>();
            for (int w = 0; w < PsFixture.WORKERS; w++) {
                WorkerConfig wc = new WorkerConfig(w, PsFixture.freeLoopback(), server.address()).withTimeoutMillis(5_000);
                workers.add(new TrainingWorker(AERON.runtime(), wc, problem, new IdentityCodec(), PsFixture.SEED + w, -1).start());
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> server.await(15, TimeUnit.SECONDS));
            assertTrue(e.getMessage().contains("cannot write the parameter-server checkpoint"), e.getMessage());
            assertFalse(e.getMessage().contains("did not finish"), "failed at once, not by the await timeout: " + e.getMessage());
            assertEquals(4, server.step(), "the version whose checkpoint failed is never counted");
            assertEquals(0, server.stats().checkpoints());
            for (TrainingWorker t : workers) {
                t.join(20_000);
            }
        }
    }
}
