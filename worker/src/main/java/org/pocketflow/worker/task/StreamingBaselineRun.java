package org.pocketflow.worker.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.Dl4jNormalizers;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.data.stream.StreamOptions;
import org.pocketflow.worker.data.stream.StreamingDataset;
import org.pocketflow.worker.eval.Evaluation;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.eval.Latency;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ModelFiles;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.runtime.Seeds;
import org.pocketflow.worker.train.EpochStats;
import org.pocketflow.worker.train.Trainer;

/**
 * {@link BaselineRun} for streamed data (image folders, TFRecord shards): the same steps, with
 * the images read, decoded and augmented while training instead of held in memory, then the
 * compression the job asks for ({@link CompressionRun}) on the same streamed splits.
 *
 * <p>Scaling: an explicit {@code pocketflow.data.normalization} wins; otherwise a DL4J
 * normalizer in the user's zip; otherwise ImageNet's per-channel mean and std for RGB, and for
 * grey the mean and std fitted on the first {@link StreamedTaskData#FIT_IMAGES} training images.
 */
final class StreamingBaselineRun {

    private StreamingBaselineRun() {
    }

    static BaselineResult execute(BaselineRequest req, Consumer<String> progress) {
        boolean onednn = Backend.configure(req.onednn());
        StreamOptions o = req.stream();
        StreamedTaskData task = new StreamedTaskData(StreamingDataset.open(req.dataUri(), o, req.validationFraction(),
                req.seed(), req.trainLimit(), req.testLimit()), req.seed());
        StreamingDataset data = task.dataset();
        boolean given = !req.modelUri().isEmpty();
        Normalizer norm = normalizer(req, task, given);
        progress.accept(String.format("data %s (%s): %d train, %d validation, %d test images, %d classes, input %s, "
                        + "%d decoding threads (oneDNN %s); scaling %s", data.name(), o.format(), data.trainImages(),
                data.validationImages(), data.testImages(), data.classes(), data.shape(), o.decodeThreads(),
                onednn ? "on" : "off", norm));

        ComputationGraph graph = given ? ModelFiles.load(req.modelUri())
                : Architecture.of(req.architecture()).factory().create(data.shape(), data.classes(),
                Seeds.derive(req.seed(), Seeds.WEIGHT_INIT));
        ModelInfo info = ModelInfo.of(graph, data.shape());
        progress.accept("model " + (given ? req.modelUri() : req.architecture()) + ": "
                + info.totalParameters() + " parameters, " + info.totalMacs() + " multiply-adds per image");

        AtomicLong corrupt = task.corruptCounter();
        List<EpochStats> epochs = List.of();
        double trainSeconds = 0;
        if (!given) {
            int batch = req.training().batchSize();
            graph = Trainer.withOptimizer(graph, req.training(), (data.trainImages() + batch - 1) / batch);
            long t0 = System.nanoTime();
            epochs = new Trainer(req.training(), progress).fit(graph, task.train(norm, batch, req.seed()));
            trainSeconds = (System.nanoTime() - t0) / 1e9;
        }
        String modelFile = req.runDir() + "/model.zip";
        ModelFiles.save(graph, modelFile);

        Evaluation test = Evaluator.evaluate(graph, task.test(norm));
        double valAccuracy = data.validation().isEmpty() ? Double.NaN
                : Evaluator.evaluate(graph, task.validation(norm)).accuracy();
        Latency latency = Evaluator.latency(graph, data.shape(), req.latencyWarmup(), req.latencyIterations());
        progress.accept(String.format("test accuracy %.4f, loss %.4f; latency %.3f ms (batch 1), %.3f ms (batch 64); "
                        + "%d corrupt images or shards skipped", test.accuracy(), test.loss(), latency.batch1Millis(),
                latency.batch64Millis(), corrupt.get()));
        List<String> warnings = new ArrayList<>();
        if (given) {
            BaselineRun.nearChance(Double.isNaN(valAccuracy) ? test.accuracy() : valAccuracy, data.classes(), norm)
                    .ifPresent(w -> {
                        warnings.add(w);
                        progress.accept("WARNING: " + w);
                    });
        }
        CompressionResult compressed = req.compression() == null ? null
                : CompressionRun.execute(req.compression(), req, graph, test.accuracy(), task, norm, progress);
        data.numberedClassesNote().ifPresent(warnings::add);
        if (corrupt.get() > 0) {
            warnings.add(corrupt.get() + " corrupt images or truncated shards were skipped "
                    + "(pocketflow.data.skip-corrupt = true)");
        }
        return new BaselineResult(given ? req.modelUri() : req.architecture(),
                new BaselineResult.DatasetFacts(data.name(), req.dataUri(), data.sha256(), (int) data.trainImages(),
                        (int) data.validationImages(), (int) data.testImages(), o.format(), corrupt.get(),
                        o.format().equals("image-folder") ? data.classNames() : List.of()),
                test.accuracy(), test.loss(), valAccuracy, info.totalMacs(), info.totalParameters(),
                ModelInfo.serializedBytes(graph), latency, epochs, trainSeconds, norm.describe(), Backend.describe(),
                info.layers(), modelFile, compressed, List.copyOf(warnings));
    }

    private static Normalizer normalizer(BaselineRequest req, StreamedTaskData task, boolean given) {
        Optional<Normalizer> stored = given && !req.scaling().explicit()
                ? Dl4jNormalizers.read(req.modelUri(), task.shape().channels()) : Optional.empty();
        if (!req.scaling().explicit() && stored.isEmpty()) {
            return task.defaultScaling();
        }
        boolean fits = req.scaling().mode().equals("fit") && (req.scaling().explicit() || stored.isEmpty());
        return req.scaling().resolve(fits ? task.sample() : null, stored);
    }
}
