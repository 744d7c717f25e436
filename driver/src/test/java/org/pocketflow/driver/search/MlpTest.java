package org.pocketflow.driver.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class MlpTest {
    /** Back-propagation against central finite differences, with respect to the input. */
    @Test
    void inputGradientMatchesFiniteDifferences() {
        for (boolean sigmoid : new boolean[]{false, true}) {
            Mlp net = new Mlp(new int[]{3, 8, 8, 1}, sigmoid, new SplittableRandom(5));
            double[] x = {0.3, -0.2, 0.7};
            double[] g = net.backward(net.forward(x), new double[]{1}, null);
            for (int i = 0; i < x.length; i++) {
                double[] hi = x.clone();
                double[] lo = x.clone();
                hi[i] += 1e-6;
                lo[i] -= 1e-6;
                double fd = (net.output(hi)[0] - net.output(lo)[0]) / 2e-6;
                assertEquals(fd, g[i], 1e-6 + 1e-4 * Math.abs(fd), "input " + i + ", sigmoid " + sigmoid);
            }
        }
    }

    /** Adam on the parameter gradients fits a small regression, so the parameter gradients point the right way. */
    @Test
    void adamFitsASmoothFunction() {
        SplittableRandom rng = new SplittableRandom(2);
        Mlp net = new Mlp(new int[]{1, 16, 16, 1}, false, rng);
        double before = loss(net);
        for (int step = 0; step < 1500; step++) {
            double[][][] grad = net.zeroGradient();
            for (int i = 0; i < 16; i++) {
                double x = rng.nextDouble();
                double[][] act = net.forward(new double[]{x});
                net.backward(act, new double[]{2 * (act[act.length - 1][0] - Math.sin(3 * x))}, grad);
            }
            net.adam(grad, 1e-2, 16);
        }
        double after = loss(net);
        assertTrue(after < 0.01 * before, "loss " + before + " -> " + after);
    }

    @Test
    void softUpdateMovesTheTargetByTau() {
        Mlp a = new Mlp(new int[]{2, 4, 1}, false, new SplittableRandom(1));
        Mlp b = new Mlp(new int[]{2, 4, 1}, false, new SplittableRandom(2));
        Mlp target = b.copy();
        target.softUpdateFrom(a, 1.0);
        double[] x = {0.4, 0.9};
        assertEquals(a.output(x)[0], target.output(x)[0], 1e-15);
    }

    private static double loss(Mlp net) {
        double s = 0;
        for (int i = 0; i < 50; i++) {
            double x = (i + 0.5) / 50;
            double d = net.output(new double[]{x})[0] - Math.sin(3 * x);
            s += d * d / 50;
        }
        return s;
    }
}
