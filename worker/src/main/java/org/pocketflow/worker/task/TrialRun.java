package org.pocketflow.worker.task;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongFunction;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.deeplearning4j.util.ModelSerializer;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.eval.Latency;
import org.pocketflow.worker.export.BatchNormFolding;
import org.pocketflow.worker.export.PackedModel;
import org.pocketflow.worker.export.PackedModelFile;
import org.pocketflow.worker.learn.BatchNormReestimation;
import org.pocketflow.worker.learn.Compression;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.FineTuner;
import org.pocketflow.worker.learn.Learner;
import org.pocketflow.worker.learn.LearnerCatalog;
import org.pocketflow.worker.learn.distill.DistilledEpochs;
import org.pocketflow.worker.model.ModelFiles;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.runtime.Versions;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * One Spark job of a trial on an executor: compress the base model with the candidate's settings,
 * fine-tune the requested slice of steps, evaluate on the validation split, and leave the
 * checkpoint ({@code rung-R.zip}, DL4J) and the packed model ({@code rung-R.pfpk}) in the trial's
 * folder. Stateless; the base model bytes are read only.
 *
 * <p><b>What a later rung resumes.</b> A rung after the first compresses the base model again
 * (deterministic: same settings, same network) and loads the previous rung's fine-tuned
 * parameters into it. For channel pruning that is the whole state: the pruned network carries
 * the constraint. Quantization-aware training restarts its full-precision shadow weights (or
 * centroids) from the checkpoint's quantized values; weight sparsity recomputes its masks from
 * the checkpoint's magnitudes and ramps its schedule again over the rung's steps. Optimizer
 * momentum starts from zero, and each rung runs the configured learning-rate schedule over its
 * own steps (a warm restart). The data order is the unstopped run's ({@link StepRange}).
 */
public final class TrialRun {
    private static final String DIVERGED = "training diverged";

    private TrialRun() {
    }

    /** Runs {@code req} against the base model in {@code baseZip} (a DL4J zip). */
    public static TrialResult execute(TrialRequest req, byte[] baseZip, Consumer<String> progress) {
        long started = micros();
        Setup setup = setup(req, baseZip, progress);
        Compression c = setup.compression();
        ComputationGraph finished;
        try {
            finished = FineTuner.run(cancellable(c, c.graph(), req.trial()), sliceSpec(req),
                    slice(req, setup.data(), setup.norm()), setup.base(), progress);
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(DIVERGED)) {
                return TrialResult.failed(req.trial(), req.rung(), e.getMessage(), started, micros());
            }
            throw e;
        }
        return finish(req, setup, finished, started);
    }

    /**
     * What every job of a trial sets up before fine-tuning, the same wherever it runs (the
     * executor of a one-task trial, the driver and each worker of a trial through the parameter
     * server): the data and its split, the scaling, the base network, the learner and its
     * compression of the base network with the candidate's settings, holding the previous rung's
     * parameters when the request resumes one.
     */
    public record Setup(TaskData data, Normalizer norm, ComputationGraph base, Learner learner, Compression compression) {
    }

    /** The {@link Setup} of {@code req} against the base model in {@code baseZip}. */
    public static Setup setup(TrialRequest req, byte[] baseZip, Consumer<String> progress) {
        TrialRequest.TrialContext ctx = req.context();
        Backend.configure(ctx.onednn());
        TaskData data = ctx.open();
        Normalizer norm = scaling(ctx, data);
        ComputationGraph base = restore(baseZip);
        DataSet calibration = data.calibration(LearnerCatalog.calibrationImages(ctx.options()), norm);
        Learner learner = LearnerCatalog.create(ctx.learner(), ctx.options(), calibration, ctx.splitSeed());
        Compression c = learner.compress(base, data.shape(), req.settings(), ctx.budget());
        ComputationGraph graph = c.graph();
        if (!req.resumeFrom().isEmpty()) {
            ComputationGraph checkpoint = ModelFiles.load(req.resumeFrom());
            if (checkpoint.numParams() != graph.numParams()) {
                throw new IllegalStateException("trial " + req.trial() + ": checkpoint " + req.resumeFrom() + " has "
                        + checkpoint.numParams() + " parameters but the candidate's network has " + graph.numParams()
                        + "; the checkpoint belongs to another candidate. Fix: start the trial afresh");
            }
            graph.setParams(checkpoint.params());
        }
        progress.accept(String.format("trial %d rung %d: %s with %s, fine-tuning steps %.0f%%..%.0f%%", req.trial(),
                req.rung(), learner.name(), c.settings(), 100 * req.fromFraction(), 100 * req.toFraction()));
        return new Setup(data, norm, base, learner, c);
    }

    /**
     * Packs and evaluates the fine-tuned network of {@code setup}: {@code rung-R.pfpk} and {@code
     * rung-R.zip} in the trial's folder, validation accuracy, MACs, latency.
     *
     * @param finished the fine-tuned network, its hook's {@code finish} done
     * @param started  when the job started, microseconds since the epoch
     */
    public static TrialResult finish(TrialRequest req, Setup setup, ComputationGraph finished, long started) {
        TrialRequest.TrialContext ctx = req.context();
        Learner learner = setup.learner();
        Compression c = setup.compression();
        TaskData data = setup.data();
        Normalizer norm = setup.norm();
        Map<String, String> prov = new LinkedHashMap<>(Versions.runtime());
        prov.putAll(ctx.provenance());
        prov.put("dataset", data.name());
        prov.put("dataset-sha256", data.sha256());
        prov.putAll(CompressionRun.scalingProvenance(norm));
        prov.put("learner", learner.name());
        prov.put("budget", ctx.budget().toString());
        prov.put("settings", c.settings().toString());
        BatchNormReestimation.record(c.notes(), prov);
        prov.put("fine-tune", req.fineTune().toString());
        prov.put("trial", String.valueOf(req.trial()));
        prov.put("rung", String.valueOf(req.rung()));
        PackedModel packed = PackedModel.of(finished, c.encodings(finished), prov);
        String stem = req.trialDir() + "/rung-" + req.rung();
        long packedBytes = PackedModelFile.write(packed, stem + ".pfpk");
        ModelFiles.save(finished, stem + ".zip");
        // a study always holds out a validation split; a compression job through the server may not
        double accuracy = data.validationImages() == 0 ? Double.NaN
                : Evaluator.evaluate(finished, data.validation(norm)).accuracy();
        ModelInfo info = ModelInfo.of(finished, data.shape());
        Latency latency = Evaluator.latency(finished, data.shape(), ctx.latencyWarmup(), ctx.latencyIterations());
        return new TrialResult(req.trial(), req.rung(), TrialResult.COMPLETE, "", accuracy, info.totalMacs(),
                info.totalParameters(), packedBytes, packed.tensorBytes(), latency, c.settings(), stem + ".zip",
                stem + ".pfpk", started, micros());
    }

    /** The base model's scaling, or the data's default when the study recorded none. */
    private static Normalizer scaling(TrialRequest.TrialContext ctx, TaskData data) {
        return ctx.normalizer() != null ? ctx.normalizer() : data.defaultScaling();
    }

    /** Test accuracy of a finished candidate's checkpoint: called once, for the study's best. */
    public static double testAccuracy(TrialRequest.TrialContext ctx, String checkpoint) {
        Backend.configure(ctx.onednn());
        TaskData data = ctx.open();
        return Evaluator.evaluate(ModelFiles.load(checkpoint), data.test(scaling(ctx, data))).accuracy();
    }

    /** Writes {@code checkpoint} with its batch norms folded into the convolutions, the inference form, to {@code uri}. */
    public static void writeInference(String checkpoint, String uri) {
        ModelFiles.save(BatchNormFolding.fold(ModelFiles.load(checkpoint)), uri);
    }

    /**
     * Writes the best candidate of a study as {@code model.onnx} at {@code onnxUri} and checks it
     * in ONNX Runtime against DL4J on the test set ({@link OnnxStep}); never throws for a network
     * the export cannot map.
     */
    public static OnnxResult exportOnnx(TrialRequest.TrialContext ctx, String checkpoint, String packedFile,
                                        String onnxUri, Consumer<String> progress) {
        Backend.configure(ctx.onednn());
        TaskData data = ctx.open();
        Normalizer norm = scaling(ctx, data);
        ComputationGraph graph = ModelFiles.load(checkpoint);
        PackedModel packed = PackedModelFile.read(packedFile);
        Latency dl4j = Evaluator.latency(BatchNormFolding.fold(graph), data.shape(), ctx.latencyWarmup(),
                ctx.latencyIterations());
        Map<String, String> config = new LinkedHashMap<>();
        config.put("learner", ctx.learner());
        config.put("options", String.valueOf(ctx.options()));
        config.put("budget", String.valueOf(ctx.budget()));
        config.put("data", "train-limit " + ctx.trainLimit() + ", test-limit " + ctx.testLimit()
                + ", validation-fraction " + ctx.validationFraction() + ", " + ctx.dataUri());
        return OnnxStep.run(graph, packed, data.shape(), norm, OnnxStep.metadata(packed, config),
                () -> data.test(Normalizer.NONE), onnxUri, dl4j, ctx.latencyWarmup(), ctx.latencyIterations(), progress);
    }

    /** The fine-tuning of this slice: one epoch of the slice's steps, with the trial's optimizer and seed. */
    public static FineTuneSpec sliceSpec(TrialRequest req) {
        FineTuneSpec ft = req.fineTune();
        if (!ft.trains()) {
            return ft;
        }
        TrainingSpec t = ft.training();
        return new FineTuneSpec(t.with(1, t.learningRate(), t.seed()), ft.distillationWeight(), ft.temperature());
    }

    /**
     * Steps {@code [from, to)} of this slice of the whole fine-tuning when every step takes one
     * minibatch from each of {@code workers} workers (an epoch is then {@code ceil(batches /
     * workers)} steps), the fractions rounded to whole steps (at least one).
     *
     * @param trainImages images in the training split
     */
    public static long[] steps(TrialRequest req, long trainImages, int workers) {
        FineTuneSpec ft = req.fineTune();
        long batches = ft.trains() ? (trainImages + ft.training().batchSize() - 1) / ft.training().batchSize() : 1;
        long perEpoch = ft.trains() ? (batches + workers - 1) / workers : 1;
        long total = ft.trains() ? ft.training().epochs() * perEpoch : 1;
        long from = Math.round(total * req.fromFraction());
        long to = Math.max(from + 1, Math.round(total * req.toFraction()));
        return new long[] {from, Math.min(to, Math.max(total, from + 1))};
    }

    /**
     * Worker {@code worker}'s minibatch at each step of this slice, by the server's step (0 = the
     * slice's first): the minibatches of the unstopped one-worker run dealt round robin ({@link
     * DealtSteps}), with the teacher's outputs appended when the fine-tuning distills, computed here
     * where the batch is.
     */
    public static LongFunction<DataSet> workerBatches(TrialRequest req, Setup setup, int worker, int workers) {
        FineTuneSpec ft = req.fineTune();
        long[] range = steps(req, setup.data().trainImages(), workers);
        DealtSteps dealt = new DealtSteps(setup.data().train(setup.norm(), ft.training().batchSize(), ft.training().seed()),
                ft.training().batchSize(), worker, workers);
        ComputationGraph teacher = setup.base();
        return step -> {
            DataSet b = dealt.at(range[0] + step);
            return ft.distills() ? DistilledEpochs.withTeacher(b, teacher) : b;
        };
    }

    /** Steps [from, to) of the whole fine-tuning on one worker, as one epoch. */
    private static StepRange slice(TrialRequest req, TaskData data, Normalizer norm) {
        FineTuneSpec ft = req.fineTune();
        int batch = ft.trains() ? ft.training().batchSize() : 64;
        long seed = ft.trains() ? ft.training().seed() : 0;
        long[] range = steps(req, data.trainImages(), 1);
        return new StepRange(data.train(norm, batch, seed), batch, range[0], range[1]);
    }

    /** {@code c} with {@code graph} (parameters possibly replaced) and a hook that stops on interruption. */
    private static Compression cancellable(Compression c, ComputationGraph graph, int trial) {
        return new Compression(graph, new CancellationHook(trial).andThen(c.hook()), c.encoder(), c.settings(),
                c.notes());
    }

    private static ComputationGraph restore(byte[] zip) {
        try {
            return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(zip), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the broadcast base model (" + zip.length + " bytes)", e);
        }
    }

    private static long micros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }
}
