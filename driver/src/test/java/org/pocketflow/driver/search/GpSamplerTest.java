package org.pocketflow.driver.search;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GpSamplerTest extends SamplerContract {
    /** Fewer restarts and candidates than the default keep the contract fast; every code path still runs. */
    private static final GpSampler.Settings LIGHT = new GpSampler.Settings(10, 1, 100, 200, 3, 20);

    @Override
    Sampler sampler(long seed) {
        return new GpSampler(seed, LIGHT);
    }

    @Test
    void beatsRandomSearchOnAQuadratic() {
        double random = Quadratic.randomMedianBest();
        double gp = medianBest(GpSampler::new, Quadratic.SPACE, Quadratic.OBJECTIVE, Quadratic.TRIALS,
                Quadratic.SEEDS);
        // measured: random -0.046, gp -7e-7
        assertTrue(gp > 0.01 * random, "gp median best " + gp + " vs random " + random);
    }

    @Test
    void rejectsBadSettings() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GpSampler.Settings(1, 2, 200, 500, 5, 30));
        assertTrue(e.getMessage().contains("startupTrials") && e.getMessage().contains("got 1"), e.getMessage());
    }
}
