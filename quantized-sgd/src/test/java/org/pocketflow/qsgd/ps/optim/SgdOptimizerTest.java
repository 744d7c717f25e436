package org.pocketflow.qsgd.ps.optim;

import java.util.BitSet;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.WeightDecay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SgdOptimizerTest {

    @Test
    void nesterovFollowsDl4jsUpdate() {
        // DL4J Nesterovs: v' = mu v - lr g; theta -= mu v - (1 + mu) v'
        SgdOptimizer o = SgdParams.nesterov(0.1, 0.9).newOptimizer(1);
        float[] theta = {1f};
        o.apply(0, theta, new float[] {2f});   // v' = -0.2; theta = 1 - 0 + 1.9 * -0.2 = 0.62
        assertArrayEquals(new float[] {0.62f}, theta, 1e-6f);
        o.apply(1, theta, new float[] {1f});   // v' = 0.9 * -0.2 - 0.1 = -0.28; theta = 0.62 + 0.18 + 1.9 * -0.28 = 0.268
        assertArrayEquals(new float[] {0.268f}, theta, 1e-6f);
        assertArrayEquals(new float[] {-0.28f}, o.state(), 1e-6f);
    }

    @Test
    void roundsEveryUpdateAsDl4jsNesterovsAndWeightDecay() {
        // DL4J's step: its Nesterovs kernel, then WeightDecay adds lr·λ·θ, then θ -= update. The server's
        // parameters must equal it bit for bit: batch-normalised networks amplify one rounding step
        int n = 4099;   // not a multiple of the vector width: the kernel's tail elements too
        double lr = 0.0374;
        double lambda = 5e-4;
        Random random = new Random(3);
        float[] theta = new float[n];
        for (int i = 0; i < n; i++) {
            theta[i] = (float) random.nextGaussian();
        }
        INDArray dl4jTheta = Nd4j.createFromArray(theta).reshape(1, n);
        GradientUpdater<?> nesterovs = new Nesterovs(lr, 0.9).instantiate(Nd4j.zeros(DataType.FLOAT, 1, n), true);
        WeightDecay decay = new WeightDecay(lambda, true);
        SgdOptimizer ours = SgdParams.nesterov(lr, 0.9).withWeightDecay(lambda).newOptimizer(n);
        for (int step = 0; step < 4; step++) {
            float[] g = new float[n];
            for (int i = 0; i < n; i++) {
                g[i] = (float) random.nextGaussian();
            }
            INDArray update = Nd4j.createFromArray(g).reshape(1, n);
            nesterovs.applyUpdater(update, step, 0);
            decay.apply(dl4jTheta, update, lr, step, 0);
            dl4jTheta.subi(update);
            ours.apply(step, theta, g);
            assertArrayEquals(dl4jTheta.toFloatVector(), theta, 0f, "step " + step);
        }
    }

    @Test
    void classicalMomentumAndPlainSgd() {
        SgdOptimizer m = new SgdParams(0.1, 0.5, false).newOptimizer(1);
        float[] theta = {0f};
        m.apply(0, theta, new float[] {1f});   // v = -0.1
        m.apply(1, theta, new float[] {1f});   // v = -0.15
        assertArrayEquals(new float[] {-0.25f}, theta, 1e-6f);
        float[] p = {1f};
        SgdParams.plain(0.5).newOptimizer(1).apply(0, p, new float[] {1f});
        assertArrayEquals(new float[] {0.5f}, p, 0f);
    }

    @Test
    void followsTheScheduleAndDecaysOnlyTheChosenParametersAsDl4jWeightDecay() {
        LearningRateSchedule halving = new LearningRateSchedule() {
            @Override
            public double at(long step) {
                return 0.1 / (1L << step);
            }

            @Override
            public String name() {
                return "halving";
            }
        };
        BitSet decayed = new BitSet();
        decayed.set(0);
        SgdOptimizer o = SgdParams.plain(1).withSchedule(halving).withWeightDecay(0.5).newOptimizer(2, decayed);
        float[] theta = {1f, 1f};
        o.apply(0, theta, new float[] {1f, 1f});   // lr 0.1: theta0 = 1 - 0.1 * 1 - 0.1 * 0.5 * 1 = 0.85; theta1 = 0.9
        assertArrayEquals(new float[] {0.85f, 0.9f}, theta, 1e-6f);
        o.apply(1, theta, new float[] {0f, 0f});   // lr 0.05: theta0 = 0.85 - 0.05 * 0.5 * 0.85
        assertArrayEquals(new float[] {0.82875f, 0.9f}, theta, 1e-6f);
        assertTrue(o.name().contains("halving") && o.name().contains("weightDecay=0.5 on 1"), o.name());
    }

    @Test
    void directParametersTakeTheirUpdateAsItComes() {
        BitSet decayed = new BitSet();
        decayed.set(0);
        BitSet direct = new BitSet();
        direct.set(1);
        SgdOptimizer o = SgdParams.nesterov(0.1, 0.9).withWeightDecay(0.5).newOptimizer(2, decayed, direct);
        float[] theta = {1f, 1f};
        o.apply(0, theta, new float[] {1f, 0.25f});
        o.apply(1, theta, new float[] {0f, -0.5f});
        // a running statistic: 1 - 0.25 + 0.5, no rate, momentum or decay
        assertEquals(1.25f, theta[1], 1e-6f);
        assertEquals(0f, o.state()[1]);
        assertTrue(o.name().contains("direct=1"), o.name());
        assertThrows(IllegalArgumentException.class, () -> SgdParams.plain(0.1).newOptimizer(2, decayed, decayed));
    }

    @Test
    void validatesItsParameters() {
        assertThrows(IllegalArgumentException.class, () -> SgdParams.plain(0.1).withWeightDecay(1.0));
        BitSet outside = new BitSet();
        outside.set(5);
        assertThrows(IllegalArgumentException.class, () -> SgdParams.plain(0.1).newOptimizer(2, outside));
        assertThrows(IllegalArgumentException.class, () -> SgdParams.nesterov(0, 0.9));
        assertThrows(IllegalArgumentException.class, () -> SgdParams.nesterov(0.1, 1.0));
        assertThrows(IllegalArgumentException.class, () -> SgdParams.plain(0.1).newOptimizer(2).apply(0, new float[2], new float[3]));
    }
}
