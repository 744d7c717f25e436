package org.pocketflow.worker.learn.sparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GradualScheduleTest {
    @Test
    void followsZhuAndGuptasCubicRamp() {
        GradualSchedule s = new GradualSchedule(100, 1100);
        assertEquals(0, s.sparsityAt(50, 0.8));
        assertEquals(0, s.sparsityAt(100, 0.8));
        assertEquals(0.8 * (1 - 0.125), s.sparsityAt(600, 0.8), 1e-12);
        assertEquals(0.8, s.sparsityAt(1100, 0.8));
        assertEquals(0.8, s.sparsityAt(5000, 0.8));
        double prev = 0;
        for (long t = 100; t <= 1100; t += 10) {
            double v = s.sparsityAt(t, 0.8);
            assertTrue(v >= prev);
            prev = v;
        }
        assertThrows(IllegalArgumentException.class, () -> new GradualSchedule(10, 10));
    }

    @Test
    void maskPrunesExactlyTheSmallestMagnitudes() {
        float[] w = {0.5f, -0.1f, 0.05f, -0.9f, 0.2f, 0f, 0.3f, -0.4f};
        boolean[] keep = MagnitudeMaskHook.mask(w, 0.5);
        boolean[] expected = {true, false, false, true, false, false, true, true};
        for (int i = 0; i < w.length; i++) {
            assertEquals(expected[i], keep[i], "element " + i);
        }
    }
}
