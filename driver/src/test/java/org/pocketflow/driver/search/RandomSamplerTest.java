package org.pocketflow.driver.search;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class RandomSamplerTest extends SamplerContract {
    @Override
    Sampler sampler(long seed) {
        return new RandomSampler(seed);
    }

    @Test
    void drawsEveryChoiceAndIntegerAboutEquallyOften() {
        SearchSpace space = SearchSpace.builder().integer("k", 1, 4).categorical("c", "a", "b").build();
        List<Trial> h = run(new RandomSampler(0), space, 1000, p -> 0);
        int[] k = new int[4];
        int a = 0;
        for (Trial t : h) {
            k[t.params().getInt("k") - 1]++;
            a += t.params().getString("c").equals("a") ? 1 : 0;
        }
        for (int count : k) {
            assertEquals(250, count, 60);
        }
        assertEquals(500, a, 70);
    }
}
