package org.pocketflow.qsgd.ps.optim;

import java.util.BitSet;

import org.junit.jupiter.api.Test;

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
