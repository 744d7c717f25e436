package org.pocketflow.qsgd.ps.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SgdOptimizerTest {

    @Test
    void nesterovFollowsDl4jsUpdate() {
        // DL4J Nesterovs: v' = mu v - lr g; theta -= mu v - (1 + mu) v'
        SgdOptimizer o = SgdParams.nesterov(0.1, 0.9).newOptimizer(1);
        float[] theta = {1f};
        o.apply(theta, new float[] {2f});   // v' = -0.2; theta = 1 - 0 + 1.9 * -0.2 = 0.62
        assertArrayEquals(new float[] {0.62f}, theta, 1e-6f);
        o.apply(theta, new float[] {1f});   // v' = 0.9 * -0.2 - 0.1 = -0.28; theta = 0.62 + 0.18 + 1.9 * -0.28 = 0.268
        assertArrayEquals(new float[] {0.268f}, theta, 1e-6f);
        assertArrayEquals(new float[] {-0.28f}, o.state(), 1e-6f);
    }

    @Test
    void classicalMomentumAndPlainSgd() {
        SgdOptimizer m = new SgdParams(0.1, 0.5, false).newOptimizer(1);
        float[] theta = {0f};
        m.apply(theta, new float[] {1f});   // v = -0.1
        m.apply(theta, new float[] {1f});   // v = -0.15
        assertArrayEquals(new float[] {-0.25f}, theta, 1e-6f);
        float[] p = {1f};
        SgdParams.plain(0.5).newOptimizer(1).apply(p, new float[] {1f});
        assertArrayEquals(new float[] {0.5f}, p, 0f);
    }

    @Test
    void validatesItsParameters() {
        assertThrows(IllegalArgumentException.class, () -> SgdParams.nesterov(0, 0.9));
        assertThrows(IllegalArgumentException.class, () -> SgdParams.nesterov(0.1, 1.0));
        assertThrows(IllegalArgumentException.class, () -> SgdParams.plain(0.1).newOptimizer(2).apply(new float[2], new float[3]));
    }
}
