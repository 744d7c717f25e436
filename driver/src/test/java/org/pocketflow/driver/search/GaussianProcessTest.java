package org.pocketflow.driver.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class GaussianProcessTest {
    @Test
    void choleskySolvesASymmetricPositiveDefiniteSystem() {
        double[][] a = {{4, 2, 0.4}, {2, 5, 1}, {0.4, 1, 3}};
        Cholesky c = Cholesky.of(a).orElseThrow();
        double[] x = c.solve(new double[]{1, 2, 3});
        for (int i = 0; i < 3; i++) {
            assertEquals(new double[]{1, 2, 3}[i], a[i][0] * x[0] + a[i][1] * x[1] + a[i][2] * x[2], 1e-12);
        }
        assertEquals(Math.log(44.8), c.logDeterminant(), 1e-12);
        assertTrue(Cholesky.of(new double[][]{{1, 2}, {2, 1}}).isEmpty());
    }

    @Test
    void maternKernelMatchesItsClosedForm() {
        double r = 0.7;
        double expected = 2.0 * (1 + Math.sqrt(5) * r + 5 * r * r / 3) * Math.exp(-Math.sqrt(5) * r);
        assertEquals(expected, GaussianProcess.kernel(new double[]{0, 0}, new double[]{0.7, 0.4}, new double[]{1, 1e9}, 2.0),
                1e-12);
        assertEquals(2.0, GaussianProcess.kernel(new double[]{0.3}, new double[]{0.3}, new double[]{0.1}, 2.0), 0);
    }

    /** Data from a function of x0 alone: the fit must raise the likelihood and find x1 irrelevant. */
    @Test
    void fitRaisesTheLikelihoodAndLearnsRelevance() {
        SplittableRandom rng = new SplittableRandom(3);
        int n = 25;
        double[][] x = new double[n][2];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i][0] = rng.nextDouble();
            x[i][1] = rng.nextDouble();
            y[i] = Math.sin(6 * x[i][0]);
        }
        double[] start = {Math.log(0.5), Math.log(0.5), 0, Math.log(1e-3)};
        GaussianProcess gp = GaussianProcess.fit(x, y, new SplittableRandom(1), 2, 200);
        double[] ls = gp.lengthScales();
        double[] fitted = {Math.log(ls[0]), Math.log(ls[1]), Math.log(gp.signal()), Math.log(gp.noise())};
        assertTrue(GaussianProcess.logMarginalLikelihood(x, y, fitted)
                > GaussianProcess.logMarginalLikelihood(x, y, start) + 1, "the fit improves on its default start");
        assertTrue(ls[1] > 3 * ls[0], "length scales " + ls[0] + ", " + ls[1]);
        assertTrue(gp.noise() < 1e-2, "noise " + gp.noise());
        assertEquals(Math.sin(3), gp.predict(new double[]{0.5, 0.9})[0], 0.05);
        double[] at = gp.predict(x[0]);
        assertEquals(y[0], at[0], 1e-2);
        assertTrue(at[1] < 1e-2, "variance at a training point " + at[1]);
    }

    @Test
    void expectedImprovementIsHigherWhereUncertainOrBetter() {
        double[][] x = {{0.1}, {0.5}, {0.9}};
        double[] y = {0, 1, 0};
        GaussianProcess gp = GaussianProcess.withHyperParameters(x, y, new double[]{Math.log(0.2), 0, Math.log(1e-6)});
        double atBest = GpSampler.expectedImprovement(gp, new double[]{0.5}, 1);
        double between = GpSampler.expectedImprovement(gp, new double[]{0.55}, 1);
        assertTrue(atBest < 1e-3, "EI at the best observation " + atBest);
        assertTrue(between > atBest, "EI next to the best " + between);
    }
}
