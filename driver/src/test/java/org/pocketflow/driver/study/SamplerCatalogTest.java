package org.pocketflow.driver.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pocketflow.driver.search.Point;
import org.pocketflow.driver.search.RandomSampler;
import org.pocketflow.driver.search.Sampler;
import org.pocketflow.driver.search.SearchSpace;
import org.pocketflow.driver.search.Trial;

class SamplerCatalogTest {
    private static final SearchSpace SPACE = SearchSpace.builder().continuous("a", 0, 1).continuous("b", 0, 1).build();

    private static List<Trial> history(int n) {
        List<Trial> h = new ArrayList<>();
        RandomSampler r = new RandomSampler(99);
        for (int i = 0; i < n; i++) {
            Point p = r.propose(SPACE, h);
            h.add(Trial.complete(i, p, -Math.abs((Double) p.get("a") - 0.3)));
        }
        return h;
    }

    @ParameterizedTest
    @ValueSource(strings = {"tpe", "gp", "ddpg"})
    void modelBasedSamplersLeaveTheirRandomStartAfterStartupTrials(String name) {
        List<Trial> h = history(4);
        Sampler early = SamplerCatalog.create(name, 5, 3);
        Sampler late = SamplerCatalog.create(name, 5, 10);
        Point random = new RandomSampler(5).propose(SPACE, h);
        // with 10 start-up trials the fifth proposal is still the random one; with 3 the model proposes
        assertEquals(random, late.propose(SPACE, h));
        assertNotEquals(random, early.propose(SPACE, h));
    }

    @org.junit.jupiter.api.Test
    void unknownSamplerIsNamed() {
        assertThrows(IllegalArgumentException.class, () -> SamplerCatalog.create("bohb", 1, 5));
    }
}
