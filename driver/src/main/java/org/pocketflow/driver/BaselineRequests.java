package org.pocketflow.driver;

import org.pocketflow.conf.DataKeys;
import org.pocketflow.conf.EvalKeys;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.LearnKeys;
import org.pocketflow.conf.ModelKeys;
import org.pocketflow.conf.RunKeys;
import org.pocketflow.conf.RuntimeKeys;
import org.pocketflow.conf.TrainKeys;
import org.pocketflow.driver.study.StudySettings;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.data.Scaling;
import org.pocketflow.worker.data.stream.StreamOptions;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.LearnerOptions;
import org.pocketflow.worker.task.BaselineRequest;
import org.pocketflow.worker.task.CompressionRequest;
import org.pocketflow.worker.task.TrialRequest;
import org.pocketflow.worker.train.TrainingSpec;

import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Maps the validated job configuration onto the executor's {@link BaselineRequest}. A job with a
 * study, or whose fine-tuning runs on several workers ({@link ServerFineTuning}), asks the base
 * model alone: the study or the driver does the compressing.
 */
public final class BaselineRequests {
    private BaselineRequests() {
    }

    static BaselineRequest from(JobConfig c, String runDir) {
        TrainingSpec training = training(c);
        return new BaselineRequest(c.get(DataKeys.URI), c.get(DataKeys.TRAIN_LIMIT), c.get(DataKeys.TEST_LIMIT),
                c.get(DataKeys.VALIDATION_FRACTION), c.get(ModelKeys.ARCH), c.get(ModelKeys.PATH), training,
                c.get(RunKeys.SEED), runDir, c.get(RuntimeKeys.ONEDNN), c.get(EvalKeys.LATENCY_WARMUP),
                c.get(EvalKeys.LATENCY_ITERATIONS),
                StudySettings.of(c).enabled() || ServerFineTuning.enabled(c) ? null : compression(c, training),
                scaling(c), stream(c));
    }

    /**
     * What every trial of a study shares, or a compression job's fine-tuning through the parameter
     * server: the data as the base model read it, the learner, its budget and options.
     *
     * @param provenance facts recorded in every packed model
     * @param baseline   the base model's {@code baseline.json}, whose scaling the trials reuse
     */
    public static TrialRequest.TrialContext trialContext(JobConfig c, CompressionRequest cr,
                                                         Map<String, String> provenance, JsonNode baseline) {
        return new TrialRequest.TrialContext(c.get(DataKeys.URI), c.get(DataKeys.TRAIN_LIMIT), c.get(DataKeys.TEST_LIMIT),
                c.get(DataKeys.VALIDATION_FRACTION), c.get(RunKeys.SEED), cr.algorithm(), cr.options(), cr.budget(),
                c.get(RuntimeKeys.ONEDNN), c.get(EvalKeys.LATENCY_WARMUP), c.get(EvalKeys.LATENCY_ITERATIONS), provenance,
                normalizer(baseline), stream(c));
    }

    /** How the data is read ({@code pocketflow.data.format} and the streaming keys). */
    public static StreamOptions stream(JobConfig c) {
        return new StreamOptions(c.get(DataKeys.FORMAT), c.get(DataKeys.IMAGE_SIZE), c.get(DataKeys.CHANNELS),
                c.get(DataKeys.CLASSES), c.get(DataKeys.LABEL_OFFSET), c.get(DataKeys.SKIP_CORRUPT),
                c.get(DataKeys.THREADS), Math.max(64, 2 * c.get(TrainKeys.BATCH_SIZE)));
    }

    /**
     * The network input the job's data gives: IDX files say it in their header (the first image
     * is read), streamed formats are decoded to {@code pocketflow.data.channels} and cropped to
     * {@code pocketflow.data.image-size}.
     */
    public static ImageShape shape(JobConfig c) {
        StreamOptions o = stream(c);
        return o.streamed() ? new ImageShape(o.channels(), o.imageSize(), o.imageSize())
                : IdxDataset.open(c.get(DataKeys.URI), 1, 1).shape();
    }

    /** The pixel scaling asked for; explicit when the job file or an override set the mode. */
    public static Scaling scaling(JobConfig c) {
        return new Scaling(c.get(DataKeys.NORMALIZATION), Scaling.parseList(c.get(DataKeys.MEAN)),
                Scaling.parseList(c.get(DataKeys.STD)), !c.origin(DataKeys.NORMALIZATION).equals("default"));
    }

    /** The base model's scaling as its {@code baseline.json} records it ({@code Normalizer.describe()}). */
    public static Normalizer normalizer(JsonNode baseline) {
        JsonNode n = baseline.get("normalization");
        return Normalizer.perChannel(doubles(n.get("mean")), doubles(n.get("std")), n.get("source").asText());
    }

    private static double[] doubles(JsonNode array) {
        double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asDouble();
        }
        return values;
    }

    /** The base model's training, as configured ({@code pocketflow.train.*}). */
    public static TrainingSpec training(JobConfig c) {
        return new TrainingSpec(c.get(TrainKeys.EPOCHS), c.get(TrainKeys.BATCH_SIZE),
                c.get(TrainKeys.LEARNING_RATE), c.get(TrainKeys.MOMENTUM), c.get(TrainKeys.WEIGHT_DECAY),
                TrainingSpec.LrSchedule.valueOf(c.get(TrainKeys.LR_SCHEDULE).toUpperCase(Locale.ROOT)),
                c.get(RunKeys.SEED), c.get(TrainKeys.LOG_EVERY_STEPS), c.get(TrainKeys.REPLICAS));
    }

    /** The compression the job asks for, or {@code null} for {@code pocketflow.learn.algorithm = none}. */
    public static CompressionRequest compression(JobConfig c, TrainingSpec training) {
        String algorithm = c.get(LearnKeys.ALGORITHM);
        if (algorithm.equals("none")) {
            return null;
        }
        int epochs = c.get(LearnKeys.FINE_TUNE_EPOCHS);
        FineTuneSpec ft = epochs == 0 ? FineTuneSpec.none()
                : new FineTuneSpec(training.with(epochs, c.get(LearnKeys.FINE_TUNE_LEARNING_RATE), training.seed()), c.get(LearnKeys.DISTILL_WEIGHT), c.get(LearnKeys.DISTILL_TEMPERATURE));
        Budget budget = new Budget(c.get(LearnKeys.MAC_FRACTION), c.get(LearnKeys.AVERAGE_BITS),
                c.get(LearnKeys.SPARSITY));
        LearnerOptions options = new LearnerOptions(c.get(LearnKeys.KEEP_FIRST_CONV), c.get(LearnKeys.CHANNEL_SELECTOR),
                c.get(LearnKeys.CHANNEL_MULTIPLE), c.get(LearnKeys.ACTIVATION_BITS), c.get(LearnKeys.ALLOCATION),
                c.get(LearnKeys.CALIBRATION_IMAGES), c.get(LearnKeys.DCP_IMAGES),
                c.get(LearnKeys.BATCH_NORM_IMAGES));
        return new CompressionRequest(algorithm, budget, options, ft);
    }
}
