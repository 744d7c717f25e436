package org.pocketflow.conf;

import java.util.List;

/** Keys of model evaluation: accuracy and inference latency. */
public final class EvalKeys {

    /** Untimed runs before measuring latency. */
    public static final ConfigKey<Integer> LATENCY_WARMUP = ConfigKey.integer("pocketflow.eval.latency-warmup", 20,
            "Untimed inference runs before latency is measured (JIT compilation and cache warm-up).",
            Validators.range(0, 100_000));

    /** Timed runs. */
    public static final ConfigKey<Integer> LATENCY_ITERATIONS = ConfigKey.integer(
            "pocketflow.eval.latency-iterations", 50,
            "Timed inference runs averaged into the reported latency.",
            Validators.range(1, 100_000));

    /** This area's keys in declaration order. */
    public static final KeyGroup GROUP = new KeyGroup("Evaluation", List.of(LATENCY_WARMUP, LATENCY_ITERATIONS));

    private EvalKeys() {
    }
}
