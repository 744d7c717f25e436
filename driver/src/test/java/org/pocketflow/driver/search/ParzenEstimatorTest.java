package org.pocketflow.driver.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class ParzenEstimatorTest {
    private static final ParzenEstimator P = new ParzenEstimator(new double[]{0.1, 0.15, 0.8}, 1.0);

    @Test
    void densityIntegratesToOneOnTheUnitInterval() {
        int n = 20000;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(P.logDensity((i + 0.5) / n)) / n;
        }
        assertEquals(1.0, sum, 1e-4);
        assertEquals(0.0, P.logMass(0, 1), 1e-9);
    }

    @Test
    void massOfABinMatchesTheIntegralOfTheDensity() {
        int n = 5000;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(P.logDensity(0.25 + 0.25 * (i + 0.5) / n)) * 0.25 / n;
        }
        assertEquals(sum, Math.exp(P.logMass(0.25, 0.5)), 1e-6);
    }

    @Test
    void drawsFollowTheDensityAndStayInside() {
        SplittableRandom rng = new SplittableRandom(8);
        int n = 20000;
        int low = 0;
        for (int i = 0; i < n; i++) {
            double u = P.sample(rng);
            assertTrue(u >= 0 && u <= 1, "draw " + u);
            low += u < 0.3 ? 1 : 0;
        }
        assertEquals(Math.exp(P.logMass(0, 0.3)), (double) low / n, 0.02);
        assertTrue(P.logDensity(0.12) > P.logDensity(0.5), "mass piles up where observations cluster");
    }

    @Test
    void withoutObservationsItIsThePrior() {
        ParzenEstimator prior = new ParzenEstimator(new double[0], 1.0);
        assertTrue(prior.logDensity(0.5) > prior.logDensity(0.0));
        assertEquals(prior.logDensity(0.2), prior.logDensity(0.8), 1e-12);
    }
}
