package org.pocketflow.driver.search;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class DdpgSamplerTest extends SamplerContract {
    @Override
    Sampler sampler(long seed) {
        return new DdpgSampler(seed);
    }

    /**
     * Four per-layer ratios whose best value is 0.8 each, so the best episode is the same action at
     * every step: after 40 episodes the actor, with its exploration decayed, must propose close to it.
     * Uniform proposals score −4 E[(U − 0.8)²] = −0.69 on average.
     */
    @Test
    void learnsAPerLayerPolicyBetterThanRandom() {
        assertLearnsPerLayerPolicy(DdpgSampler.Settings.DEFAULT);
    }

    /** The same with AMC's reduced and remaining cost in the state (cost shares 0.1 to 0.4). */
    @Test
    void learnsAPerLayerPolicyWithBudgetFeatures() {
        assertLearnsPerLayerPolicy(DdpgSampler.Settings.DEFAULT.withCostFeature(3));
    }

    @Test
    void refusesACostFeatureTheSpaceLacks() {
        SearchSpace space = SearchSpace.builder().continuous("a", 0, 1).features(0, 0.5)
                .continuous("b", 0, 1).features(1, 0.5).build();
        DdpgSampler sampler = new DdpgSampler(1, DdpgSampler.Settings.DEFAULT.withCostFeature(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sampler.propose(space, List.of()));
        assertTrue(e.getMessage().contains("costFeature 2") && e.getMessage().contains("2 features"), e.getMessage());
    }

    private void assertLearnsPerLayerPolicy(DdpgSampler.Settings settings) {
        SearchSpace.Builder b = SearchSpace.builder();
        for (int i = 0; i < 4; i++) {
            b.continuous("conv" + i + ".ratio", 0, 1).features(i, 16 << i, 3, 0.1 * (i + 1));
        }
        SearchSpace space = b.build();
        double[] lastTen = new double[5];
        for (int seed = 0; seed < lastTen.length; seed++) {
            List<Trial> h = run(new DdpgSampler(seed, settings), space, 40, p -> {
                double v = 0;
                for (String name : space.names()) {
                    v -= Math.pow(p.getDouble(name) - 0.8, 2);
                }
                return v;
            });
            lastTen[seed] = h.subList(30, 40).stream().mapToDouble(Trial::objective).average().orElseThrow();
        }
        Arrays.sort(lastTen);
        // measured: -0.06 for every seed
        assertTrue(lastTen[2] > -0.25, "median of the last ten objectives " + Arrays.toString(lastTen));
    }

    @Test
    void rejectsBadSettings() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DdpgSampler.Settings(64, 1e-3, 1e-3, 0.01, 1.0, 64, 2000, 10, 0.5, 1.5, 0.95, 20));
        assertTrue(e.getMessage().contains("sigmaDecay") && e.getMessage().contains("1.5"), e.getMessage());
    }
}
