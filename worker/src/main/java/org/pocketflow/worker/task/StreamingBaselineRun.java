package org.pocketflow.worker.task;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.data.Dl4jNormalizers;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.data.stream.StreamOptions;
import org.pocketflow.worker.data.stream.StreamingBatches;
import org.pocketflow.worker.data.stream.StreamingDataset;
import org.pocketflow.worker.data.stream.Unit;
import org.pocketflow.worker.eval.Evaluation;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.eval.Latency;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ModelFiles;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.runtime.Seeds;
import org.pocketflow.worker.train.EpochStats;
import org.pocketflow.worker.train.StreamingEpochs;
import org.pocketflow.worker.train.Trainer;

/**
 * {@link BaselineRun} for streamed data (image folders, TFRecord shards): the same steps, with
 * the images read, decoded and augmented while training instead of held in memory.
 *
 * <p>Scaling: an explicit {@code pocketflow.data.normalization} wins; otherwise a DL4J
 * normalizer in the user's zip; otherwise ImageNet's per-channel mean and std for RGB, and for
 * grey the mean and std fitted on the first {@link #FIT_IMAGES} training images.
 */
final class StreamingBaselineRun {
    /** Training images (centre crops) the {@code fit} scaling is computed on. */
    static final int FIT_IMAGES = 512;

    private StreamingBaselineRun() {
    }

    static BaselineResult execute(BaselineRequest req, Consumer<String> progress) {
        boolean onednn = Backend.configure(req.onednn());
        StreamOptions o = req.stream();
        StreamingDataset data = StreamingDataset.open(req.dataUri(), o, req.validationFraction(), req.seed(),
                req.trainLimit(), req.testLimit());
        boolean given = !req.modelUri().isEmpty();
        Normalizer norm = normalizer(req, data, given);
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

        AtomicLong corrupt = new AtomicLong();
        List<EpochStats> epochs = List.of();
        double trainSeconds = 0;
        if (!given) {
            int batch = req.training().batchSize();
            graph = Trainer.withOptimizer(graph, req.training(), (data.trainImages() + batch - 1) / batch);
            long t0 = System.nanoTime();
            epochs = new Trainer(req.training(), progress).fit(graph, new StreamingEpochs(data.train(),
                    data.trainImages(), o, data.classes(), norm, batch, req.seed(), 0, 1, corrupt));
            trainSeconds = (System.nanoTime() - t0) / 1e9;
        }
        String modelFile = req.runDir() + "/model.zip";
        ModelFiles.save(graph, modelFile);

        Evaluation test = Evaluator.evaluate(graph, eval(data, data.test(), norm, corrupt));
        double valAccuracy = data.validation().isEmpty() ? Double.NaN
                : Evaluator.evaluate(graph, eval(data, data.validation(), norm, corrupt)).accuracy();
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
        if (corrupt.get() > 0) {
            warnings.add(corrupt.get() + " corrupt images or truncated shards were skipped "
                    + "(pocketflow.data.skip-corrupt = true)");
        }
        return new BaselineResult(given ? req.modelUri() : req.architecture(),
                new BaselineResult.DatasetFacts(data.name(), req.dataUri(), data.sha256(), (int) data.trainImages(),
                        (int) data.validationImages(), (int) data.testImages(), o.format(), corrupt.get()),
                test.accuracy(), test.loss(), valAccuracy, info.totalMacs(), info.totalParameters(),
                ModelInfo.serializedBytes(graph), latency, epochs, trainSeconds, norm.describe(), Backend.describe(),
                info.layers(), modelFile, null, List.copyOf(warnings));
    }

    private static StreamingBatches eval(StreamingDataset data, List<Unit> units, Normalizer norm, AtomicLong corrupt) {
        return new StreamingBatches(units, data.options(), data.classes(), BaselineRun.EVAL_BATCH, norm, false, 0, 0,
                corrupt);
    }

    private static Normalizer normalizer(BaselineRequest req, StreamingDataset data, boolean given) {
        Optional<Normalizer> stored = given && !req.scaling().explicit()
                ? Dl4jNormalizers.read(req.modelUri(), data.shape().channels()) : Optional.empty();
        if (!req.scaling().explicit() && stored.isEmpty() && data.shape().channels() == 3) {
            return Normalizer.IMAGENET;
        }
        boolean fits = req.scaling().mode().equals("fit") && (req.scaling().explicit() || stored.isEmpty());
        return req.scaling().resolve(fits ? sample(data) : null, stored);
    }

    /** The first training images, centre-cropped, as a small in-memory set to fit the scaling on. */
    private static ImageSet sample(StreamingDataset data) {
        List<Unit> units = data.train();
        int n = 0;
        byte[] pixels = new byte[FIT_IMAGES * data.shape().pixels()];
        byte[] labels = new byte[FIT_IMAGES];
        try (StreamingBatches batches = new StreamingBatches(units, data.options(), data.classes(), FIT_IMAGES,
                Normalizer.NONE, false, 0, 0, new AtomicLong())) {
            if (batches.hasNext()) {
                DataSet first = batches.next();
                float[] f = first.getFeatures().data().asFloat();
                n = (int) first.getFeatures().size(0);
                for (int i = 0; i < n * data.shape().pixels(); i++) {
                    pixels[i] = (byte) Math.round(f[i]);
                }
            }
        }
        return ImageSet.of(data.shape(), 256, java.util.Arrays.copyOf(pixels, n * data.shape().pixels()),
                java.util.Arrays.copyOf(labels, n));
    }
}
