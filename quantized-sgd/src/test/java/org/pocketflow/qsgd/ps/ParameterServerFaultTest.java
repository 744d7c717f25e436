package org.pocketflow.qsgd.ps;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.pocketflow.qsgd.codec.IdentityCodec;
import org.pocketflow.qsgd.ps.transport.AeronEndpoint;
import org.pocketflow.qsgd.ps.transport.AeronRuntimeExtension;
import org.pocketflow.qsgd.ps.wire.MessageType;
import org.pocketflow.qsgd.ps.wire.PsMessage;
import org.pocketflow.qsgd.ps.wire.PsMessageCodec;
import org.pocketflow.qsgd.ps.wire.RejectReason;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stalled workers, corrupted and forged messages, over Aeron UDP on loopback. */
class ParameterServerFaultTest {
    private static final byte[] SECRET = "job-secret-of-this-test".getBytes(StandardCharsets.UTF_8);
    @RegisterExtension
    static final AeronRuntimeExtension AERON = new AeronRuntimeExtension();

    @Test
    void syncModeDropsAStalledWorkerAndCompletesTraining() throws InterruptedException {
        LeastSquares problem = PsFixture.problem();
        ServerConfig config = ServerConfig.sync(PsFixture.freeLoopback(), PsFixture.WORKERS, 120).withWorkerTimeoutMillis(1_500);
        PsFixture.Run run = PsFixture.train(AERON.runtime(), config, new IdentityCodec(), new float[PsFixture.DIM], problem, null, -1, 10, -1);
        ServerStats stats = run.result().stats();
        assertEquals(Set.of(1), stats.dropped(), "worker 1 stalled after 10 steps");
        assertEquals(120, stats.step());
        assertEquals(10 + 2L * 120, stats.accepted());
        assertNull(run.workers().get(0).failure);
        assertNull(run.workers().get(2).failure);
        assertTrue(run.workers().get(2).last.last(), "the remaining workers get the final parameters");
        assertTrue(problem.relativeError(run.result().params()) < 0.05, "still converges with two workers");
    }

    @Test
    void corruptedForgedAndUnknownMessagesAreRejectedCountedAndNeverApplied() throws Exception {
        LeastSquares problem = PsFixture.problem();
        float[] init = new float[PsFixture.DIM];
        ServerConfig clean = ServerConfig.sync(PsFixture.freeLoopback(), PsFixture.WORKERS, 60).withSecret(SECRET);
        TrainingResult reference = PsFixture.train(AERON.runtime(), clean, new IdentityCodec(), init, problem, SECRET).result();

        ServerConfig attacked = ServerConfig.sync(PsFixture.freeLoopback(), PsFixture.WORKERS, 60).withSecret(SECRET);
        TrainingResult result;
        try (ParameterServer server = new ParameterServer(AERON.runtime(), attacked, new IdentityCodec(), PsFixture.SGD, init);
             AeronEndpoint attacker = AERON.runtime().bind(PsFixture.freeLoopback())) {
            server.start();
            float[] huge = new float[PsFixture.DIM];
            Arrays.fill(huge, 1e6f);
            byte[] gradient = new IdentityCodec().newEncoder(1).encode(huge).bytes();
            PsMessage hello = new PsMessage(MessageType.HELLO, 0, 0, false, attacker.address().toString().getBytes(StandardCharsets.UTF_8));
            PsMessage forged = new PsMessage(MessageType.GRADIENT, 0, 0, false, gradient);
            byte[] corrupted = new PsMessageCodec(SECRET).encode(forged);
            corrupted[40] ^= 0x10;
            send(attacker, server, corrupted);                                          // BAD_CHECKSUM
            send(attacker, server, new PsMessageCodec().encode(hello));                  // UNAUTHENTICATED: no HMAC
            send(attacker, server, new PsMessageCodec("wrong".getBytes(StandardCharsets.UTF_8)).encode(forged)); // UNAUTHENTICATED
            send(attacker, server, new PsMessageCodec(SECRET).encode(
                    new PsMessage(MessageType.GRADIENT, 99, 0, false, gradient)));     // UNKNOWN_SENDER
            send(attacker, server, new PsMessageCodec(SECRET).encode(
                    new PsMessage(MessageType.GRADIENT, 0, 0, false, new byte[] {1, 2, 3}))); // NOT_JOINED (no HELLO yet)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (server.stats().rejectedTotal() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            ServerStats before = server.stats();
            assertEquals(1, before.rejected(RejectReason.BAD_CHECKSUM), before::toString);
            assertEquals(2, before.rejected(RejectReason.UNAUTHENTICATED), before::toString);
            assertEquals(1, before.rejected(RejectReason.UNKNOWN_SENDER), before::toString);
            assertEquals(1, before.rejected(RejectReason.NOT_JOINED), before::toString);
            assertEquals(0, before.step());
            result = trainWith(server, problem);
        }
        assertArrayEquals(reference.params(), result.params(), "the rejected messages changed nothing");
        assertEquals(reference.stats().accepted(), result.stats().accepted());
    }

    @Test
    void workersWithoutTheSecretAreNotServed() {
        ServerConfig config = ServerConfig.sync(PsFixture.freeLoopback(), 1, 10).withSecret(SECRET).withWorkerTimeoutMillis(60_000);
        try (ParameterServer server = new ParameterServer(AERON.runtime(), config, new IdentityCodec(), PsFixture.SGD, new float[4])) {
            server.start();
            WorkerConfig wc = new WorkerConfig(0, PsFixture.freeLoopback(), server.address()).withTimeoutMillis(1_000);
            try (WorkerClient client = new WorkerClient(AERON.runtime(), wc)) {
                IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, client::join);
                assertTrue(e.getMessage().contains("did not answer HELLO"), e.getMessage());
            }
            assertTrue(server.stats().rejected(RejectReason.UNAUTHENTICATED) >= 1, server.stats()::toString);
            assertEquals(0, server.stats().step());
        }
    }

    @Test
    void aDeadWorkerNeverHoldsBackTheParametersOfTheOthers() {
        ServerConfig config = ServerConfig.sync(PsFixture.freeLoopback(), 2, 3).withWorkerTimeoutMillis(12_000);
        try (ParameterServer server = new ParameterServer(AERON.runtime(), config, new IdentityCodec(), PsFixture.SGD, new float[4]);
             AeronEndpoint ghost = AERON.runtime().bind(PsFixture.freeLoopback())) {
            server.start();
            // worker 0 says HELLO from an address where nothing receives: every send to it waits the full timeout
            byte[] nowhere = PsFixture.freeLoopback().toString().getBytes(StandardCharsets.UTF_8);
            send(ghost, server, new PsMessageCodec().encode(new PsMessage(MessageType.HELLO, 0, 0, false, nowhere)));
            WorkerConfig wc = new WorkerConfig(1, PsFixture.freeLoopback(), server.address()).withTimeoutMillis(20_000);
            try (WorkerClient live = new WorkerClient(AERON.runtime(), wc)) {
                ParameterSnapshot first = live.join();
                assertEquals(0, first.step());
                assertTrue(server.stats().dropped().isEmpty(), "worker 1 got version 0 while the send to worker 0 was still"
                        + " waiting (it is published first, in worker-id order): " + server.stats());
            }
        }
    }

    private static TrainingResult trainWith(ParameterServer server, LeastSquares problem) throws InterruptedException {
        TrainingWorker[] workers = new TrainingWorker[PsFixture.WORKERS];
        for (int w = 0; w < workers.length; w++) {
            WorkerConfig wc = new WorkerConfig(w, PsFixture.freeLoopback(), server.address()).withSecret(SECRET).withTimeoutMillis(20_000);
            workers[w] = new TrainingWorker(AERON.runtime(), wc, problem, new IdentityCodec(), PsFixture.SEED + w, -1).start();
        }
        TrainingResult result = server.await(50, TimeUnit.SECONDS);
        for (TrainingWorker t : workers) {
            t.join(25_000);
            assertNull(t.failure);
        }
        return result;
    }

    private static void send(AeronEndpoint from, ParameterServer to, byte[] frame) {
        assertTrue(from.send(to.address(), frame, 10_000), "attacker could not reach the server");
    }
}
