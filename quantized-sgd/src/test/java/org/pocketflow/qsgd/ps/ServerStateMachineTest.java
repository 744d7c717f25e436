package org.pocketflow.qsgd.ps;

import org.junit.jupiter.api.Test;
import org.pocketflow.qsgd.codec.IdentityCodec;
import org.pocketflow.qsgd.ps.optim.SgdParams;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.qsgd.ps.wire.MessageType;
import org.pocketflow.qsgd.ps.wire.PsMessage;
import org.pocketflow.qsgd.ps.wire.PsMessageCodec;
import org.pocketflow.qsgd.ps.wire.RejectReason;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server's state machine driven turn by turn through a {@link MemoryLink} and a test clock: no UDP, no thread. */
class ServerStateMachineTest {
    static final int DIM = 4;
    static final Address SERVER = Address.loopback(40_000);

    /** A server on a memory link; {@link #clock} moves only when the test moves it. */
    static final class Harness {
        final MemoryLink link = new MemoryLink(SERVER);
        final AtomicLong clock = new AtomicLong();
        final PsMessageCodec wire;
        final ParameterServer server;

        Harness(ServerConfig config) {
            this.wire = new PsMessageCodec(config.secret(), config.nonce());
            this.server = new ParameterServer(config, new IdentityCodec(), SgdParams.plain(0.5).newOptimizer(DIM), new float[DIM],
                    c -> link, clock::get);
            server.open();
        }

        void hello(int w) {
            deliver(new PsMessage(MessageType.HELLO, w, 0, false, worker(w).toString().getBytes(StandardCharsets.UTF_8)));
        }

        void gradient(int w, long step, float... g) {
            deliver(new PsMessage(MessageType.GRADIENT, w, step, false, new IdentityCodec().newEncoder(w).encode(g).bytes()));
        }

        void deliver(PsMessage m) {
            link.deliver(wire.encode(m));
            server.turn();
        }

        void advanceMillis(long ms) {
            clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
            server.turn();
        }

        List<PsMessage> paramsTo(int w) {
            return link.sentTo(w, wire);
        }

        long rejected(RejectReason r) {
            return server.stats().rejected(r);
        }
    }

    static Address worker(int w) {
        return Address.loopback(41_000 + w);
    }

    static float[] params(PsMessage m) {
        return ParamsPayload.decode(m.payload());
    }

    @Test
    void aSyncRoundWaitsForEveryWorkerThenAveragesAndPublishesToEach() {
        Harness h = new Harness(ServerConfig.sync(SERVER, 2, 10));
        h.hello(1);
        assertTrue(h.link.sent().isEmpty(), "no parameters before every worker joined");
        h.hello(0);
        assertEquals(0, h.paramsTo(0).get(0).step());
        assertEquals(0, h.paramsTo(1).get(0).step());
        h.gradient(1, 0, 2, 2, 2, 2);
        assertEquals(1, h.paramsTo(1).size(), "a round waits for every live worker");
        h.gradient(1, 0, 9, 9, 9, 9);
        assertEquals(1, h.rejected(RejectReason.DUPLICATE));
        h.gradient(0, 0, 0, 0, 0, 4);
        PsMessage p = h.paramsTo(0).get(1);
        assertEquals(1, p.step());
        assertArrayEquals(new float[] {-0.5f, -0.5f, -0.5f, -1.5f}, params(p), "one step of lr 0.5 on the mean gradient");
        assertEquals(p, h.paramsTo(1).get(1));
        h.gradient(0, 0, 1, 1, 1, 1);
        assertEquals(1, h.rejected(RejectReason.STALE));
        assertEquals(1, h.server.step());
    }

    @Test
    void aStalledWorkerIsDroppedAtTheDeadlineAndTheOthersGoOn() {
        Harness h = new Harness(ServerConfig.sync(SERVER, 2, 10).withWorkerTimeoutMillis(1_000));
        h.hello(0);
        h.hello(1);
        h.gradient(0, 0, 1, 1, 1, 1);
        h.advanceMillis(999);
        assertEquals(0, h.server.step(), "still within the timeout");
        h.advanceMillis(2);
        assertEquals(Set.of(1), h.server.stats().dropped());
        assertEquals(1, h.server.step());
        h.gradient(1, 1, 1, 1, 1, 1);
        assertEquals(1, h.rejected(RejectReason.DROPPED_SENDER));
    }

    @Test
    void aWorkerThatCannotBeReachedIsDroppedAndTheRoundCompletesWithoutIt() {
        Harness h = new Harness(ServerConfig.sync(SERVER, 3, 10));
        for (int w = 0; w < 3; w++) {
            h.hello(w);
        }
        h.gradient(0, 0, 1, 1, 1, 1);
        h.gradient(2, 0, 1, 1, 1, 1);
        h.link.failSend(1, "unreachable at " + worker(1) + " for 30000 ms");
        h.server.turn();
        assertEquals(Set.of(1), h.server.stats().dropped());
        assertEquals(1, h.server.step(), "the round had all it needed once worker 1 was gone");
        assertEquals(1, h.paramsTo(0).get(1).step());
        assertEquals(1, h.paramsTo(1).size(), "nothing more for the dropped worker");
    }

    @Test
    void theLastStepEndsTrainingAndFlagsTheFinalParameters() {
        Harness h = new Harness(ServerConfig.sync(SERVER, 1, 2));
        h.hello(0);
        h.gradient(0, 0, 1, 1, 1, 1);
        h.gradient(0, 1, 1, 1, 1, 1);
        assertTrue(h.server.done());
        PsMessage last = h.paramsTo(0).get(2);
        assertEquals(2, last.step());
        assertTrue(last.last());
        assertArrayEquals(new float[] {-1, -1, -1, -1}, h.server.await(1, TimeUnit.SECONDS).params());
    }

    @Test
    void helloAddressesAreCheckedBeforeAnythingIsSentOrARoundBegins() {
        Harness h = new Harness(ServerConfig.sync(SERVER, 2, 10));
        String[] bad = {"no-such-host.invalid:41000", "127.0.0.1|mtu=1408|ttl=9:41000", "10.1.2.3:41000", "0.0.0.0:41000",
                "224.0.0.1:41000", "127.0.0.1", "127.0.0.1:0"};
        for (String a : bad) {
            h.deliver(new PsMessage(MessageType.HELLO, 0, 0, false, a.getBytes(StandardCharsets.UTF_8)));
        }
        assertEquals(bad.length, h.rejected(RejectReason.BAD_ADDRESS), h.server.stats()::toString);
        h.hello(1);
        assertTrue(h.link.sent().isEmpty(), "no round began, nothing was sent anywhere");
        h.hello(0);
        assertEquals(0, h.paramsTo(0).get(0).step(), "the real HELLO starts the round as usual");
        assertEquals(worker(0), h.link.sent().get(0).to());
    }

    @Test
    void theServerAsksForEncoderStatesBeforeACheckpointAndKeepsOnlyThoseOfItsVersion(@org.junit.jupiter.api.io.TempDir
                                                                                    java.nio.file.Path dir) {
        Harness h = new Harness(ServerConfig.sync(SERVER, 1, 4).withCheckpoints(dir, 2, false));
        h.hello(0);
        h.gradient(0, 0, 1, 1, 1, 1);
        List<PsMessage> sent = h.paramsTo(0);
        assertEquals(List.of(MessageType.PARAMS, MessageType.STATE, MessageType.PARAMS), sent.stream().map(PsMessage::type).toList(),
                "the request for the state goes ahead of the parameters of version 1 only (the checkpoint follows step 2)");
        assertEquals(1, sent.get(1).step());
        assertEquals(0, sent.get(1).payload().length);
        org.pocketflow.qsgd.EncoderState state = new org.pocketflow.qsgd.EncoderState(2, new float[] {0.5f, 0, 0, -0.5f});
        h.deliver(new PsMessage(MessageType.STATE, 0, 0, false, EncoderStatePayload.encode(state)));
        h.deliver(new PsMessage(MessageType.STATE, 0, 2, false, EncoderStatePayload.encode(state)));
        h.deliver(new PsMessage(MessageType.STATE, 0, 1, false, new byte[] {1, 2, 3}));
        assertEquals(1, h.rejected(RejectReason.STALE));
        assertEquals(1, h.rejected(RejectReason.FUTURE_STEP));
        assertEquals(1, h.rejected(RejectReason.MALFORMED));
        h.deliver(new PsMessage(MessageType.STATE, 0, 1, false, EncoderStatePayload.encode(state)));
        h.gradient(0, 1, 1, 1, 1, 1);
        org.pocketflow.qsgd.ps.checkpoint.Checkpoint saved = new org.pocketflow.qsgd.ps.checkpoint.CheckpointStore(dir).load().orElseThrow();
        assertEquals(2, saved.step());
        assertEquals(java.util.Map.of(0, state), saved.encoders());
    }

    @Test
    void asyncModeAppliesAtMostOneGradientPerWorkerPerVersion() {
        Harness h = new Harness(ServerConfig.async(SERVER, 2, 3, 100));
        h.hello(0);
        h.hello(1);
        byte[] g0 = h.wire.encode(new PsMessage(MessageType.GRADIENT, 0, 0, false,
                new IdentityCodec().newEncoder(0).encode(new float[] {1, 1, 1, 1}).bytes()));
        h.link.deliver(g0);
        h.server.turn();
        assertEquals(1, h.server.step());
        h.link.deliver(g0.clone()); // replayed within the staleness window
        h.server.turn();
        assertEquals(1, h.server.step(), "a replayed gradient is not applied again");
        assertEquals(1, h.rejected(RejectReason.DUPLICATE));
        h.gradient(1, 0, 1, 1, 1, 1); // worker 1's own gradient on version 0: one behind, allowed
        assertEquals(2, h.server.step());
        h.gradient(0, 1, 1, 1, 1, 1);
        assertEquals(3, h.server.step());
        h.gradient(0, 1, 1, 1, 1, 1);
        assertEquals(2, h.rejected(RejectReason.DUPLICATE));
        assertEquals(3, h.server.step());
    }

    @Test
    void framesOfAnotherJobUnderTheSameSecretDoNotVerify() {
        byte[] secret = "spark-derived-key".getBytes(StandardCharsets.UTF_8);
        Harness h = new Harness(ServerConfig.sync(SERVER, 1, 10).withSecret(secret).withNonce(1111));
        PsMessage hello = new PsMessage(MessageType.HELLO, 0, 0, false, worker(0).toString().getBytes(StandardCharsets.UTF_8));
        h.link.deliver(new PsMessageCodec(secret, 2222).encode(hello));
        h.server.turn();
        assertEquals(1, h.rejected(RejectReason.UNAUTHENTICATED));
        assertTrue(h.link.sent().isEmpty());
        h.deliver(hello);
        assertEquals(1, h.paramsTo(0).size(), "the same HELLO under this job's nonce is served");
    }

    @Test
    void aServerOffLoopbackNeedsASecretOrTheExplicitOptOut() {
        Address cluster = new Address("10.0.0.5", 40_640);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.sync(cluster, 2, 10));
        assertTrue(e.getMessage().contains("not loopback and no secret"), e.getMessage());
        assertTrue(ServerConfig.sync(SERVER, 2, 10).secret() == null, "loopback needs none");
        ServerConfig c = new ServerConfig(cluster, 2, ExchangeMode.SYNC, 0, 1_000, 1_000, 10, new byte[] {1}, null, 0, false);
        assertEquals(cluster, c.bind());
        ServerConfig open = new ServerConfig(cluster, 2, ExchangeMode.SYNC, 0, 1_000, 1_000, 10, null, null, 0, false, 0, true);
        assertTrue(open.allowUnauthenticated());
        assertTrue(open.withTotalSteps(5).allowUnauthenticated(), "the opt-out survives the with* methods");
    }
}
