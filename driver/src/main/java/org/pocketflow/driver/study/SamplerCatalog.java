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

    /** The sampler called {@code name}, seeded with {@code seed}. */
    public static Sampler create(String name, long seed) {
        return switch (name) {
            case "random" -> new RandomSampler(seed);
            case "tpe" -> new TpeSampler(seed);
            case "gp" -> new GpSampler(seed);
            case "ddpg" -> new DdpgSampler(seed);
            default -> throw new IllegalArgumentException("unknown sampler " + name + "; known: " + NAMES);
        };
    }
}
