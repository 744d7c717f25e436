package org.pocketflow.worker.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.Dl4jNormalizers;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluation;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.eval.Latency;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ModelFiles;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.runtime.Seeds;
import org.pocketflow.worker.train.EpochStats;
import org.pocketflow.worker.train.ImageSetEpochs;
import org.pocketflow.worker.train.Trainer;

/**
 * Produces a job's full-precision base model on an executor: read the data, build (or load) the
 * network, train it, evaluate it, write {@code model.zip} to the run directory; then, when the
 * job asks for it, compress it ({@link CompressionRun}).
 *
 * <p>Stateless; one call per request. The model file is written as soon as training ends, before
 * evaluation, so a failure afterwards (or a driver that dies) loses no training.
 */
public final class BaselineRun {
    /** Batch size used for evaluation passes (does not affect results). */
    static final int EVAL_BATCH = 256;
    /** How close to chance (as a fraction) a given model's accuracy may be before a warning. */
    static final double CHANCE_MARGIN = 0.02;

    private BaselineRun() {
    }

    /** Runs the request, sending progress lines to {@code progress}. */
    public static BaselineResult execute(BaselineRequest req, Consumer<String> progress) {
        if (req.stream().streamed()) {
            return StreamingBaselineRun.execute(req, progress);
        }
        boolean onednn = Backend.configure(req.onednn());
        IdxDataset dataset = IdxDataset.open(req.dataUri(), req.trainLimit(), req.testLimit());
        ImageSet.Split split = dataset.train().split(req.validationFraction(), req.seed());
        ImageSet train = split.train();
        boolean given = !req.modelUri().isEmpty();
        Optional<Normalizer> stored = given && !req.scaling().explicit()
                ? Dl4jNormalizers.read(req.modelUri(), dataset.shape().channels()) : Optional.empty();
        Normalizer norm = req.scaling().resolve(train, stored);
        progress.accept(String.format("data %s: %d train, %d validation, %d test images %s (oneDNN %s); "
                        + "scaling %s", dataset.name(), train.size(), split.validation().size(), dataset.test().size(),
                dataset.shape(), onednn ? "on" : "off", norm));

        ComputationGraph graph = given ? ModelFiles.load(req.modelUri())
                : Architecture.of(req.architecture()).factory().create(dataset.shape(), dataset.classes(),
                Seeds.derive(req.seed(), Seeds.WEIGHT_INIT));
        ModelInfo info = ModelInfo.of(graph, dataset.shape());
        progress.accept("model " + (given ? req.modelUri() : req.architecture()) + ": "
                + info.totalParameters() + " parameters, " + info.totalMacs() + " multiply-adds per image");

        List<EpochStats> epochs = List.of();
        double trainSeconds = 0;
        if (!given) {
            int batch = req.training().batchSize();
            graph = Trainer.withOptimizer(graph, req.training(), train.batchCount(batch));
            long t0 = System.nanoTime();
            epochs = new Trainer(req.training(), progress).evaluatingEachEpoch(validationAccuracy(split.validation(), norm))
                    .fit(graph, new ImageSetEpochs(train, norm, batch, req.seed()));
            trainSeconds = (System.nanoTime() - t0) / 1e9;
        }

        // saved before evaluation: a failure from here on loses no training
        String modelFile = req.runDir() + "/model.zip";
        ModelFiles.save(graph, modelFile);

        Evaluation test = Evaluator.evaluate(graph, dataset.test().batchesInOrder(EVAL_BATCH, norm));
        double valAccuracy = split.validation().size() == 0 ? Double.NaN
                : Evaluator.evaluate(graph, split.validation().batchesInOrder(EVAL_BATCH, norm)).accuracy();
        Latency latency = Evaluator.latency(graph, dataset.shape(), req.latencyWarmup(), req.latencyIterations());
        progress.accept(String.format("test accuracy %.4f, loss %.4f; latency %.3f ms (batch 1), %.3f ms (batch 64)",
                test.accuracy(), test.loss(), latency.batch1Millis(), latency.batch64Millis()));
        List<String> warnings = new ArrayList<>();
        if (given) {
            nearChance(Double.isNaN(valAccuracy) ? test.accuracy() : valAccuracy, dataset.classes(), norm)
                    .ifPresent(w -> {
                        warnings.add(w);
                        progress.accept("WARNING: " + w);
                    });
        }

        CompressionResult compressed = req.compression() == null ? null
                : CompressionRun.execute(req.compression(), req, graph, test.accuracy(),
                new IdxTaskData(dataset, split), norm, progress);

        return new BaselineResult(given ? req.modelUri() : req.architecture(),
                new BaselineResult.DatasetFacts(dataset.name(), req.dataUri(), dataset.sha256(), train.size(),
                        split.validation().size(), dataset.test().size()),
                test.accuracy(), test.loss(), valAccuracy, info.totalMacs(), info.totalParameters(),
                ModelInfo.serializedBytes(graph), latency, epochs, trainSeconds,
                norm.describe(), Backend.describe(), info.layers(), modelFile, compressed, List.copyOf(warnings));
    }

    /**
     * A warning when a given model scores within {@link #CHANCE_MARGIN} of chance (or below): the
     * usual cause is pixels scaled differently from how the model was trained.
     *
     * @param accuracy validation accuracy (test accuracy when there is no validation split)
     * @param classes  number of classes
     * @param norm     the scaling used
     * @return the warning line, or empty when the accuracy is clearly above chance
     */
    static Optional<String> nearChance(double accuracy, int classes, Normalizer norm) {
        double chance = 1.0 / classes;
        if (accuracy > chance + CHANCE_MARGIN) {
            return Optional.empty();
        }
        return Optional.of(String.format("the given model scores %.2f%% on the validation split, near chance "
                        + "(%.2f%% for %d classes), with pixels scaled as %s. A model trained on differently scaled "
                        + "pixels scores like this: set pocketflow.data.normalization (fit, unit, none or mean-std) "
                        + "to the scaling it was trained with", 100 * accuracy, 100 * chance, classes, norm));
    }

    /** Accuracy on {@code validation} for the per-epoch curves; null (nothing measured) when the split is empty. */
    static ToDoubleFunction<ComputationGraph> validationAccuracy(ImageSet validation, Normalizer norm) {
        return validation.size() == 0 ? null
                : g -> Evaluator.evaluate(g, validation.batchesInOrder(EVAL_BATCH, norm)).accuracy();
    }
}
