package org.pocketflow.driver.study;

import java.util.ArrayList;
import java.util.List;

import org.pocketflow.conf.ConfigException;
import org.pocketflow.conf.DataKeys;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.LearnKeys;
import org.pocketflow.conf.RunKeys;
import org.pocketflow.conf.SearchKeys;
import org.pocketflow.conf.TrainKeys;
import org.pocketflow.worker.runtime.Seeds;

/**
 * The study part of a job's configuration ({@code pocketflow.search.*}), read once on the driver.
 * {@link #problems} checks the rules that span keys, before any Spark job starts.
 *
 * @param sampler         sampler name ({@code none} = no study), {@code auto} already resolved by the configuration
 * @param trials          trials in the study
 * @param parallelism     trials at once
 * @param maxFailed       failures that end the study
 * @param timeoutSeconds  wall-clock limit of one trial (0 = none)
 * @param includeUniform  trial 0 is the uniform settings
 * @param trainingKnobs   fine-tuning learning rate and distillation join the space
 * @param earlyStopping   {@code none} or {@code successive-halving}
 * @param rungs           rungs of successive halving
 * @param eta             its reduction factor
 * @param jobSeed         {@code pocketflow.seed}; the sampler's seed and each trial's are split from it
 * @param workersPerTrial workers fine-tuning one trial (1 = one Spark task, no parameter server)
 * @param finalEpochs     epochs the winner is retrained after the study (0 = none)
 * @param finalWorkers    workers of that retraining
 */
public record StudySettings(String sampler, int trials, int startupTrials, int parallelism, int maxFailed, int timeoutSeconds,
                            boolean includeUniform, boolean trainingKnobs, String earlyStopping, int rungs, int eta,
                            long jobSeed, int workersPerTrial, int finalEpochs, int finalWorkers) {
    /** Seed purpose: the sampler's stream. */
    static final long SAMPLER_PURPOSE = 0x5EED_0101L;
    /** Seed purpose: per-trial streams (fine-tuning data order). */
    static final long TRIAL_PURPOSE = 0x5EED_0102L;

    /** The settings of {@code c}. */
    public static StudySettings of(JobConfig c) {
        return new StudySettings(c.get(SearchKeys.SAMPLER), c.get(SearchKeys.TRIALS), c.get(SearchKeys.STARTUP_TRIALS),
                c.get(SearchKeys.PARALLELISM),
                c.get(SearchKeys.MAX_FAILED_TRIALS), c.get(SearchKeys.TRIAL_TIMEOUT), c.get(SearchKeys.INCLUDE_UNIFORM),
                c.get(SearchKeys.TRAINING_KNOBS), c.get(SearchKeys.EARLY_STOPPING), c.get(SearchKeys.HALVING_RUNGS),
                c.get(SearchKeys.HALVING_ETA), c.get(RunKeys.SEED), c.get(SearchKeys.WORKERS_PER_TRIAL),
                c.get(SearchKeys.FINAL_EPOCHS), c.get(SearchKeys.FINAL_WORKERS));
    }

    /** Whether the job runs a study. */
    public boolean enabled() {
        return !sampler.equals("none");
    }

    /** The sampler's seed. */
    public long samplerSeed() {
        return Seeds.derive(jobSeed, SAMPLER_PURPOSE);
    }

    /** Trial {@code trial}'s own seed. */
    public long trialSeed(int trial) {
        return Seeds.stream(jobSeed, TRIAL_PURPOSE, trial).nextLong();
    }

    /** The early stopper these settings ask for. */
    public EarlyStopper stopper() {
        return earlyStopping.equals("successive-halving") ? new SuccessiveHalvingEarlyStopper(rungs, eta)
                : new NopEarlyStopper();
    }

    /**
     * The task slots the study needs at once: P trials of W workers, and the winner's final
     * retraining's workers; 0 when every trial is one task (trials then wait for free slots).
     */
    public int slotsNeeded() {
        int trialSlots = workersPerTrial > 1 ? parallelism * workersPerTrial : 0;
        return Math.max(trialSlots, finalEpochs > 0 ? finalWorkers : 0);
    }

    /**
     * Refuses a study whose trials through parameter servers cannot all run at once on {@code
     * slots}: every worker of every running trial must hold a task slot.
     *
     * @throws ConfigException naming both keys and the slots found
     */
    public void checkSlots(int slots, String how) {
        if (workersPerTrial > 1 && (long) parallelism * workersPerTrial > slots) {
            throw new ConfigException(List.of(SearchKeys.PARALLELISM.name() + " = " + parallelism + " trials x "
                    + SearchKeys.WORKERS_PER_TRIAL.name() + " = " + workersPerTrial + " workers need "
                    + parallelism * workersPerTrial + " task slots at once, but the cluster has " + slots + " (" + how
                    + "). Fix: lower " + SearchKeys.PARALLELISM.name() + " or " + SearchKeys.WORKERS_PER_TRIAL.name()
                    + " so that their product is at most " + slots + ", or give the job more executors or cores"));
        }
        if (finalEpochs > 0 && finalWorkers > slots) {
            throw new ConfigException(List.of(SearchKeys.FINAL_WORKERS.name() + " = " + finalWorkers + " workers need as many"
                    + " task slots at once, but the cluster has " + slots + " (" + how + "). Fix: lower "
                    + SearchKeys.FINAL_WORKERS.name() + " to at most " + slots + ", or give the job more executors or cores"));
        }
    }

    /**
     * What is wrong with the study settings of {@code c} taken together, one line each naming the
     * keys, the values and the fix; empty when the job can run (or runs no study).
     */
    public static List<String> problems(JobConfig c) {
        List<String> p = new ArrayList<>();
        StudySettings s = of(c);
        if (!s.enabled()) {
            // keys that only a study reads: set without one, they would be ignored without a word
            if (s.workersPerTrial > 1 || s.finalEpochs > 0) {
                String key = s.workersPerTrial > 1 ? SearchKeys.WORKERS_PER_TRIAL.name() + " = " + s.workersPerTrial
                        : SearchKeys.FINAL_EPOCHS.name() + " = " + s.finalEpochs;
                p.add(key + ": applies to a study's trials, but " + SearchKeys.SAMPLER.name() + " = none (no study)."
                        + " Fix: set " + SearchKeys.TRIALS.name() + " (a TPE study) or " + SearchKeys.SAMPLER.name()
                        + ", or leave " + key.substring(0, key.indexOf(' ')) + " at its default");
            }
            return p;
        }
        String head = SearchKeys.SAMPLER.name() + " = " + s.sampler + ": ";
        if (c.get(LearnKeys.ALGORITHM).equals("none")) {
            p.add(head + "a study searches a learner's settings, but " + LearnKeys.ALGORITHM.name()
                    + " = none. Fix: set " + LearnKeys.ALGORITHM.name() + " (e.g. channel-pruning), or set "
                    + SearchKeys.SAMPLER.name() + " = none");
        }
        if (c.get(DataKeys.VALIDATION_FRACTION) <= 0) {
            p.add(head + "trials are ranked by validation accuracy, but " + DataKeys.VALIDATION_FRACTION.name()
                    + " = 0. Fix: hold out a validation split, e.g. " + DataKeys.VALIDATION_FRACTION.name() + " = 0.1");
        }
        if (s.finalEpochs > 0 && c.get(LearnKeys.FINE_TUNE_EPOCHS) == 0) {
            p.add(SearchKeys.FINAL_EPOCHS.name() + " = " + s.finalEpochs + ": the winner is retrained with its trial's"
                    + " fine-tuning settings, but " + LearnKeys.FINE_TUNE_EPOCHS.name() + " = 0. Fix: fine-tune the trials"
                    + " (" + LearnKeys.FINE_TUNE_EPOCHS.name() + " >= 1), or set " + SearchKeys.FINAL_EPOCHS.name() + " = 0");
        }
        if (s.earlyStopping.equals("successive-halving")) {
            int epochs = c.get(LearnKeys.FINE_TUNE_EPOCHS);
            if (epochs == 0) {
                p.add(SearchKeys.EARLY_STOPPING.name() + " = successive-halving: its rungs are fine-tuning steps, but "
                        + LearnKeys.FINE_TUNE_EPOCHS.name() + " = 0. Fix: fine-tune at least one epoch, or set "
                        + SearchKeys.EARLY_STOPPING.name() + " = none");
            } else {
                int limit = c.get(DataKeys.TRAIN_LIMIT);
                long images = Math.round((limit == 0 ? 60_000 : limit) * (1 - c.get(DataKeys.VALIDATION_FRACTION)));
                long batches = (images + c.get(TrainKeys.BATCH_SIZE) - 1) / c.get(TrainKeys.BATCH_SIZE);
                // W workers take W minibatches per step
                long steps = epochs * ((batches + s.workersPerTrial - 1) / s.workersPerTrial);
                double first = Math.pow(s.eta, s.rungs - 1);
                if (steps < first) {
                    p.add(SearchKeys.HALVING_RUNGS.name() + " = " + s.rungs + " with " + SearchKeys.HALVING_ETA.name()
                            + " = " + s.eta + ": the first rung would get 1/" + (long) first + " of " + steps
                            + " fine-tuning steps, less than one. Fix: fewer rungs, a smaller eta, or more "
                            + LearnKeys.FINE_TUNE_EPOCHS.name());
                }
            }
        }
        return p;
    }
}
