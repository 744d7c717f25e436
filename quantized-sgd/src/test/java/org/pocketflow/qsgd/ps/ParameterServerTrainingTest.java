package org.pocketflow.qsgd.ps;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.codec.EcqCodec;
import org.pocketflow.qsgd.codec.IdentityCodec;
import org.pocketflow.qsgd.ps.optim.SgdParams;
import org.pocketflow.qsgd.ps.transport.AeronRuntimeExtension;
import org.pocketflow.qsgd.ps.wire.RejectReason;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Three workers train a least-squares model through the server over Aeron UDP on loopback. */
class ParameterServerTrainingTest {
    @RegisterExtension
    static final AeronRuntimeExtension AERON = new AeronRuntimeExtension();

    private static PsFixture.Run train(ServerConfig config, GradientCodec codec) throws InterruptedException {
        return train(config, codec, PsFixture.SGD);
    }

    private static PsFixture.Run train(ServerConfig config, GradientCodec codec, SgdParams sgd) throws InterruptedException {
        LeastSquares problem = PsFixture.problem();
        PsFixture.Run run = PsFixture.train(AERON.runtime(), config, codec, sgd, new float[PsFixture.DIM], problem, null);
        for (TrainingWorker w : run.workers()) {
            assertNull(w.failure, () -> "worker failed: " + w.failure);
        }
        double err = problem.relativeError(run.result().params());
        assertTrue(err < 0.05, "relative error " + err + " after " + config.totalSteps() + " steps with " + codec.id());
        // async may reject a gradient as stale when its worker was descheduled for a while: that is the limit working
        assertEquals(0, run.result().stats().rejectedTotal() - run.result().stats().rejected(RejectReason.STALE),
                () -> "rejections in a clean run: " + run.result().stats());
        return run;
    }

    @Test
    void syncTrainingWithIdentityCodecConverges() throws InterruptedException {
        PsFixture.Run run = train(ServerConfig.sync(PsFixture.freeLoopback(), PsFixture.WORKERS, 150), new IdentityCodec());
        assertEquals(0, run.result().stats().rejectedTotal(), () -> "sync rejects nothing in a clean run: " + run.result().stats());
        assertEquals(150, run.result().stats().step());
        assertEquals(150L * PsFixture.WORKERS, run.result().stats().accepted());
        for (TrainingWorker w : run.workers()) {
            assertArrayEquals(run.result().params(), w.last.values(), "every worker ends with the final parameters");
        }
    }

    @Test
    void syncTrainingWithEcqCodecConvergesAndIsReproducible() throws InterruptedException {
        PsFixture.Run a = train(ServerConfig.sync(PsFixture.freeLoopback(), PsFixture.WORKERS, 200), new EcqCodec());
        PsFixture.Run b = train(ServerConfig.sync(PsFixture.freeLoopback(), PsFixture.WORKERS, 200), new EcqCodec());
        assertArrayEquals(a.result().params(), b.result().params(), "same seeds, same parameters, whatever the arrival order");
        assertTrue(a.result().stats().bytesIn() < 200L * PsFixture.WORKERS * PsFixture.DIM * 4,
                "ECQ messages are smaller than fp32: " + a.result().stats().bytesIn());
    }

    @Test
    void asyncTrainingWithinStalenessLimitConverges() throws InterruptedException {
        // every gradient is its own step, up to 4 versions old: a smaller step and momentum than sync
        PsFixture.Run run = train(ServerConfig.async(PsFixture.freeLoopback(), PsFixture.WORKERS, 4, 400), new EcqCodec(),
                SgdParams.nesterov(0.01, 0.5));
        assertEquals(400, run.result().stats().step());
        assertEquals(400, run.result().stats().accepted(), "each accepted gradient is one step");
    }
}
