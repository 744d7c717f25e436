package org.pocketflow.conf;

import java.util.List;

/**
 * Keys of the study: which sampler proposes candidates, how many trials run, how many at once,
 * when a trial or the whole study gives up, and early stopping. Cross-key rules (a study needs a
 * learner and a validation split) are checked by the driver's preflight.
 */
public final class SearchKeys {

    /** The sampler, or none; {@code auto} is resolved when the configuration loads ({@link #resolveSampler}). */
    public static final ConfigKey<String> SAMPLER = ConfigKey.oneOf("pocketflow.search.sampler", "auto",
            "Sampler of the study over the learner's per-layer settings: none (one compression with uniform "
                    + "settings), random, tpe, gp (Gaussian process EI) or ddpg (AMC-style agent); auto is tpe when "
                    + "pocketflow.search.trials is set and none otherwise. tpe is the best measured: it found the best "
                    + "per-layer pruning ratios over seeds on LeNet and ResNet-20, and ddpg did no better than random.",
            "auto", "none", "random", "tpe", "gp", "ddpg");

    /**
     * The sampler {@code value} stands for: {@code auto} becomes {@code tpe}, the best sampler
     * measured, when the job sets {@code pocketflow.search.trials} (asking for a study) and {@code
     * none} otherwise; any other value is itself. The resolved name is what the job records, so a
     * resumed job runs the same study.
     */
    public static String resolveSampler(String value, boolean trialsSet) {
        return !value.equals("auto") ? value : trialsSet ? "tpe" : "none";
    }

    /** Trials of a study. */
    public static final ConfigKey<Integer> TRIALS = ConfigKey.integer("pocketflow.search.trials", 20,
            "Trials (candidates evaluated) in the study, the uniform-settings trial included.",
            Validators.range(1, 100_000));

    /** Random trials before a model-based sampler proposes. */
    public static final ConfigKey<Integer> STARTUP_TRIALS = ConfigKey.integer("pocketflow.search.startup-trials", 5,
            "Completed trials (uniform trial included) that tpe, gp and ddpg draw at random before their model "
                    + "proposes; keep it well below pocketflow.search.trials.",
            Validators.range(1, 100_000));

    /** Trials at once. */
    public static final ConfigKey<Integer> PARALLELISM = ConfigKey.integer("pocketflow.search.parallelism", 2,
            "Trials running at once, each its own Spark job (give the cluster at least this many task slots).",
            Validators.range(1, 1024));

    /** Failures that end a study. */
    public static final ConfigKey<Integer> MAX_FAILED_TRIALS = ConfigKey.integer(
            "pocketflow.search.max-failed-trials", 5,
            "The study stops, as failed, once this many trials have failed (thrown, diverged or timed out).",
            Validators.range(1, 100_000));

    /** Wall-clock limit of one trial. */
    public static final ConfigKey<Integer> TRIAL_TIMEOUT = ConfigKey.integer("pocketflow.search.trial-timeout", 0,
            "Seconds a trial may run, all its rungs together, before it is cancelled and recorded as failed; "
                    + "0 = no limit.",
            Validators.range(0, 7 * 24 * 3600));

    /** Whether trial 0 is the uniform baseline. */
    public static final ConfigKey<Boolean> INCLUDE_UNIFORM = ConfigKey.bool("pocketflow.search.include-uniform", true,
            "Trial 0 evaluates the learner's uniform per-layer settings, the baseline the search must beat.");

    /** Whether training knobs join the space. */
    public static final ConfigKey<Boolean> TRAINING_KNOBS = ConfigKey.bool("pocketflow.search.training-knobs", false,
            "Also search the fine-tuning learning rate (log scale, 0.1x to 10x pocketflow.learn.fine-tune-learning-rate), "
                    + "the distillation weight (0 to 1) and temperature (1 to 10).");

    /** Early stopping. */
    public static final ConfigKey<String> EARLY_STOPPING = ConfigKey.oneOf("pocketflow.search.early-stopping", "none",
            "Early stopping of trials: none, or successive-halving (ASHA-style rungs over the fine-tuning steps; "
                    + "a promoted trial continues from its checkpoint in the run directory).",
            "none", "successive-halving");

    /** Rungs of successive halving. */
    public static final ConfigKey<Integer> HALVING_RUNGS = ConfigKey.integer("pocketflow.search.halving-rungs", 3,
            "Successive halving: rungs; rung r of R ends after 1/eta^(R-1-r) of the fine-tuning steps.",
            Validators.range(1, 10));

    /** Reduction factor of successive halving. */
    public static final ConfigKey<Integer> HALVING_ETA = ConfigKey.integer("pocketflow.search.halving-eta", 3,
            "Successive halving: reduction factor eta; the best 1/eta of the trials at a rung are promoted.",
            Validators.range(2, 100));

    /** Workers that fine-tune one trial data-parallel. */
    public static final ConfigKey<Integer> WORKERS_PER_TRIAL = ConfigKey.integer("pocketflow.search.workers-per-trial", 1,
            "Spark tasks that fine-tune one trial data-parallel through the trial's own parameter server in the driver "
                    + "(1 = the trial is one task, as without a parameter server). parallelism x workers-per-trial tasks "
                    + "run at once, so the cluster needs that many task slots.",
            Validators.range(1, 256));

    /** Epochs the study's winner is retrained after the study. */
    public static final ConfigKey<Integer> FINAL_EPOCHS = ConfigKey.integer("pocketflow.search.final-epochs", 0,
            "After the study, the best candidate continues from its last checkpoint for this many epochs on "
                    + "pocketflow.search.final-workers workers through the parameter server before its one test "
                    + "evaluation (0 = no final retraining).",
            Validators.range(0, 10_000));

    /** Workers of the winner's final retraining. */
    public static final ConfigKey<Integer> FINAL_WORKERS = ConfigKey.integer("pocketflow.search.final-workers", 1,
            "Spark tasks (data-parallel workers) of the winner's final retraining; needs that many task slots.",
            Validators.range(1, 256));

    /** This area's keys in declaration order. */
    public static final KeyGroup GROUP = new KeyGroup("Search", List.of(SAMPLER, TRIALS, STARTUP_TRIALS, PARALLELISM,
            MAX_FAILED_TRIALS, TRIAL_TIMEOUT, INCLUDE_UNIFORM, TRAINING_KNOBS, EARLY_STOPPING, HALVING_RUNGS,
            HALVING_ETA, WORKERS_PER_TRIAL, FINAL_EPOCHS, FINAL_WORKERS));

    private SearchKeys() {
    }
}
