package org.pocketflow.driver.study;

import java.util.List;

import org.pocketflow.driver.search.DdpgSampler;
import org.pocketflow.driver.search.GpSampler;
import org.pocketflow.driver.search.RandomSampler;
import org.pocketflow.driver.search.Sampler;
import org.pocketflow.driver.search.TpeSampler;

/** The samplers by configuration name ({@code pocketflow.search.sampler}). */
public final class SamplerCatalog {
    /** Every name {@link #create} knows. */
    public static final List<String> NAMES = List.of("random", "tpe", "gp", "ddpg");

    private SamplerCatalog() {
    }

    /**
     * The sampler called {@code name}, seeded with {@code seed}, drawing its first
     * {@code startupTrials} proposals at random (the model-based ones; random draws throughout).
     */
    public static Sampler create(String name, long seed, int startupTrials) {
        TpeSampler.Settings tpe = TpeSampler.Settings.DEFAULT;
        GpSampler.Settings gp = GpSampler.Settings.DEFAULT;
        DdpgSampler.Settings ddpg = DdpgSampler.Settings.DEFAULT;
        return switch (name) {
            case "random" -> new RandomSampler(seed);
            case "tpe" -> new TpeSampler(seed, new TpeSampler.Settings(startupTrials, tpe.gamma(), tpe.candidates(),
                    tpe.priorWeight()));
            case "gp" -> new GpSampler(seed, new GpSampler.Settings(startupTrials, gp.restarts(), gp.maxEval(),
                    gp.randomCandidates(), gp.localStarts(), gp.localSteps()));
            case "ddpg" -> new DdpgSampler(seed, new DdpgSampler.Settings(ddpg.hidden(), ddpg.actorLearningRate(),
                    ddpg.criticLearningRate(), ddpg.tau(), ddpg.discount(), ddpg.batchSize(), ddpg.bufferSize(),
                    startupTrials, ddpg.sigma0(), ddpg.sigmaDecay(), ddpg.baselineDecay(), ddpg.updatesPerEpisode()));
            default -> throw new IllegalArgumentException("unknown sampler " + name + "; known: " + NAMES);
        };
    }
}
