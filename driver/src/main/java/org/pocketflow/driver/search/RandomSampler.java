package org.pocketflow.driver.search;

import java.util.List;
import java.util.SplittableRandom;

import org.pocketflow.worker.runtime.Seeds;

/**
 * Uniform random search (Bergstra and Bengio, "Random search for hyper-parameter optimization",
 * JMLR 13, 2012): each coordinate uniform on the unit cube, decoded by the space (log-uniform on a
 * log scale, every integer and every choice equally likely). Ignores the objectives; the model-based
 * samplers use it for their start-up trials. Stateless; running trials get other points because
 * each proposal's stream is indexed by the history's size.
 */
public final class RandomSampler implements Sampler {
    /** Purpose of the proposal streams, mixed with the seed and the trial index. */
    static final long PURPOSE = 0x5A3B_0001L;

    private final long seed;

    /** @param seed the study's seed for this sampler */
    public RandomSampler(long seed) {
        this.seed = seed;
    }

    @Override
    public Point propose(SearchSpace space, List<Trial> history) {
        return draw(space, History.of(space, history).nextIndex());
    }

    /** The uniform point of proposal {@code index}; shared by the samplers' start-up phases. */
    Point draw(SearchSpace space, int index) {
        SplittableRandom rng = Seeds.stream(seed, PURPOSE, index);
        double[] u = new double[space.size()];
        for (int i = 0; i < u.length; i++) {
            u[i] = rng.nextDouble();
        }
        return space.fromUnit(u);
    }
}
