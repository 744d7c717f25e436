package org.pocketflow.worker.task;

import java.io.Serializable;
import java.util.Map;

import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.data.stream.StreamOptions;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.LearnerOptions;
import org.pocketflow.worker.learn.FineTuneSpec;

/**
 * One Spark job of one trial: a candidate's settings, and the slice of its fine-tuning to run
 * now (one rung of successive halving, or all of it). Built on the driver, shipped inside the
 * task; the base model comes separately, from a broadcast.
 *
 * @param context    what every trial of the study shares (data, learner, budget)
 * @param trial      the trial's number in the study
 * @param rung       which rung this job ends (0 when there is no early stopping)
 * @param fromFraction start of the slice, as a fraction of the fine-tuning steps (0 = the beginning)
 * @param toFraction end of the slice (1 = the full fine-tuning)
 * @param settings   per knob, the value the sampler proposed (the learner meets the budget from it)
 * @param fineTune   the whole fine-tuning this trial would get unstopped; its training seed is
 *                   the trial's own seed, split from the study seed
 * @param resumeFrom URI of the DL4J zip that the previous rung left, or "" to start from the base model
 * @param trialDir   URI of the trial's folder in the run directory, where this job leaves its checkpoint
 */
public record TrialRequest(TrialContext context, int trial, int rung, double fromFraction, double toFraction,
                           Map<String, Double> settings, FineTuneSpec fineTune, String resumeFrom, String trialDir)
        implements Serializable {
    public TrialRequest {
        if (!(fromFraction >= 0 && fromFraction < toFraction && toFraction <= 1)) {
            throw new IllegalArgumentException("trial " + trial + ": fine-tuning slice [" + fromFraction + ", "
                    + toFraction + "] must satisfy 0 <= from < to <= 1");
        }
        settings = Map.copyOf(settings);
    }

    /**
     * The study-wide part of a trial.
     *
     * @param dataUri            Hadoop FS URI of the dataset folder, read on the executor
     * @param trainLimit         first N training images (0 = all)
     * @param testLimit          first N test images (0 = all)
     * @param validationFraction held-out share; the split uses {@code splitSeed}, as the base model's did
     * @param splitSeed          the job seed, so the validation split is the base model's
     * @param learner            a {@code LearnerCatalog} name
     * @param options            the learner's options (selector, channel multiple, activation bits)
     * @param budget             the target every candidate meets
     * @param onednn             use oneDNN kernels
     * @param latencyWarmup      latency runs discarded before timing
     * @param latencyIterations  timed latency runs
     * @param provenance         facts recorded in every packed model (job seed, base model)
     * @param normalizer         the base model's input scaling; {@code null} = the data's default
     *                           ({@link TaskData#defaultScaling}), as the base model's default was
     * @param stream             the data's format and, for image folders and TFRecord shards, how they are
     *                           streamed
     */
    public record TrialContext(String dataUri, int trainLimit, int testLimit, double validationFraction,
                               long splitSeed, String learner, LearnerOptions options, Budget budget, boolean onednn,
                               int latencyWarmup, int latencyIterations, Map<String, String> provenance,
                               Normalizer normalizer, StreamOptions stream)
            implements Serializable {
        public TrialContext {
            provenance = Map.copyOf(provenance);
        }

        /** A context of IDX data whose scaling is fitted on the training split. */
        public TrialContext(String dataUri, int trainLimit, int testLimit, double validationFraction, long splitSeed,
                            String learner, LearnerOptions options, Budget budget, boolean onednn, int latencyWarmup,
                            int latencyIterations, Map<String, String> provenance) {
            this(dataUri, trainLimit, testLimit, validationFraction, splitSeed, learner, options, budget, onednn,
                    latencyWarmup, latencyIterations, provenance, null, StreamOptions.IDX);
        }

        /** Opens the data a trial reads, split as the base model's was. */
        TaskData open() {
            return TaskData.open(dataUri, stream, trainLimit, testLimit, validationFraction, splitSeed);
        }
    }
}
