package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.worker.data.stream.ImageFolderToTfRecord;
import org.pocketflow.worker.data.stream.SyntheticImageFolder;
import org.pocketflow.worker.export.PackedModelFile;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Compression jobs and studies on streamed data through real jobs ({@code PocketFlowMain}, local
 * Spark): a LeNet trained on a generated RGB image folder is compressed by every learner, the
 * calibrated ones (LASSO, DCP, activation ranges) drawing their calibration images from the
 * stream, on the folder and on the same images as TFRecord shards; a small study runs on each.
 * Every compressed model is scored on the streamed test split and stays well above chance.
 */
class StreamedCompressionJobTest {
    /** Chance is 1/3; the base model scores above 0.8 (StreamingJobTest), a compressed one must keep most of it. */
    private static final double BOUND = 0.7;

    @TempDir
    static Path tmp;
    private static Path folder;
    private static Path shards;
    private static Path base;
    private static JsonNode baseline;

    @BeforeAll
    static void generateAndTrainTheBaseModel() throws Exception {
        folder = tmp.resolve("images");
        SyntheticImageFolder.write(folder, 3, 80, 20, 40, 90, "mixed", 11);
        shards = tmp.resolve("shards");
        ImageFolderToTfRecord.convert(folder.toString(), shards.toString(), 50, 1, 3);
        Path run = tmp.resolve("base");
        Cli.Outcome o = job(run, folderData("pocketflow.train.epochs=4", "pocketflow.train.learning-rate=0.01"));
        assertEquals(0, o.code(), o.err());
        baseline = Cli.report(run).get("baseline");
        assertTrue(baseline.get("testAccuracy").asDouble() > 0.8, baseline.toString());
        base = run.resolve("model.zip");
    }

    private static String[] folderData(String... more) {
        List<String> c = new ArrayList<>(List.of("pocketflow.data.format=image-folder", "pocketflow.data.uri=" + folder));
        c.addAll(List.of(more));
        return c.toArray(String[]::new);
    }

    private static String[] shardData(String... more) {
        List<String> c = new ArrayList<>(List.of("pocketflow.data.format=tfrecord", "pocketflow.data.uri=" + shards,
                "pocketflow.data.classes=3"));
        c.addAll(List.of(more));
        return c.toArray(String[]::new);
    }

    /** A job on the base model: the given compression settings after the data settings. */
    private static String[] compress(String[] data, String... settings) {
        List<String> c = new ArrayList<>(List.of(data));
        c.add("pocketflow.model.path=" + base);
        c.add("pocketflow.learn.fine-tune-epochs=2");
        c.add("pocketflow.learn.fine-tune-learning-rate=0.005");
        c.addAll(List.of(settings));
        return c.toArray(String[]::new);
    }

    private static Cli.Outcome job(Path runDir, String... conf) {
        List<String> args = new ArrayList<>(List.of("run", "--conf", "pocketflow.spark.master=local[1]",
                "--conf", "pocketflow.run.dir=" + runDir, "--conf", "pocketflow.data.image-size=32",
                "--conf", "pocketflow.eval.latency-iterations=2", "--conf", "pocketflow.eval.latency-warmup=1",
                "--conf", "pocketflow.train.batch-size=16", "--conf", "pocketflow.seed=5"));
        return Cli.run(Cli.withConf(args, conf));
    }

    /** The compressed section of a finished job, checked for what every compression leaves. */
    private static JsonNode compressed(Path run, Cli.Outcome o) throws Exception {
        assertEquals(0, o.code(), o.err() + o.out());
        JsonNode r = Cli.report(run);
        JsonNode c = r.at("/baseline/compressed");
        double test = c.get("testAccuracy").asDouble();
        assertTrue(test > BOUND, c.get("learner") + " on streamed data: test accuracy " + test);
        assertEquals("ok", c.at("/onnx/status").asText(), c.get("onnx").toString());
        assertEquals(test, c.at("/onnx/dl4jAccuracy").asDouble(), 1e-9);
        assertEquals(60, c.at("/onnx/images").asInt(), "the whole streamed test split is checked in ONNX Runtime");
        var packed = PackedModelFile.read(run.resolve("model.pfpk").toUri().toString());
        assertEquals(r.at("/baseline/dataset/sha256").asText(), packed.provenance().get("dataset-sha256"));
        return c;
    }

    @Test
    void dcpPruningWithDistillationCalibratesOnTheStreamedFolder() throws Exception {
        Path run = tmp.resolve("dcp");
        JsonNode c = compressed(run, job(run, compress(folderData(), "pocketflow.learn.algorithm=channel-pruning",
                "pocketflow.learn.channel-selector=dcp", "pocketflow.learn.dcp-images=96",
                "pocketflow.learn.calibration-images=48", "pocketflow.learn.mac-fraction=0.5",
                "pocketflow.learn.distill-weight=0.5")));
        assertTrue(c.get("macs").asLong() <= 0.5 * baseline.get("macs").asLong() + 1, c.toString());
        assertEquals(2, c.get("fineTuneEpochs").size());
    }

    @Test
    void weightSparsityOnTheStreamedFolder() throws Exception {
        Path run = tmp.resolve("sparse");
        JsonNode c = compressed(run, job(run, compress(folderData(), "pocketflow.learn.algorithm=weight-sparsity",
                "pocketflow.learn.sparsity=0.6")));
        assertTrue(c.get("packedBytes").asLong() < baseline.get("serializedBytes").asLong(), c.toString());
    }

    @Test
    void lassoPruningThenActivationQuantizationOnShards() throws Exception {
        Path run = tmp.resolve("lasso-quant");
        JsonNode c = compressed(run, job(run, compress(shardData(),
                "pocketflow.learn.algorithm=channel-pruning+uniform-quant", "pocketflow.learn.channel-selector=lasso",
                "pocketflow.learn.calibration-images=40", "pocketflow.learn.mac-fraction=0.6",
                "pocketflow.learn.average-bits=8", "pocketflow.learn.activation-bits=8")));
        assertTrue(c.get("macs").asLong() <= 0.6 * baseline.get("macs").asLong() + 1, c.toString());
        assertEquals("tfrecord", Cli.report(run).at("/baseline/dataset/format").asText());
    }

    @Test
    void codebookQuantizationOnShards() throws Exception {
        Path run = tmp.resolve("codebook");
        JsonNode c = compressed(run, job(run, compress(shardData(), "pocketflow.learn.algorithm=nonuniform-quant",
                "pocketflow.learn.average-bits=4")));
        assertTrue(c.get("tensorBytes").asLong() < c.get("baseBytes").asLong() / 4, c.toString());
    }

    @Test
    void aStudyOnTheStreamedFolderScoresTrialsOnItsValidationSplit() throws Exception {
        study(tmp.resolve("study-folder"), folderData());
    }

    @Test
    void aStudyOnShards() throws Exception {
        study(tmp.resolve("study-shards"), shardData());
    }

    private static void study(Path run, String[] data) throws Exception {
        // LASSO selection and reconstruction: each trial draws its calibration images from the stream
        Cli.Outcome o = job(run, compress(data, "pocketflow.learn.algorithm=channel-pruning",
                "pocketflow.learn.channel-selector=lasso", "pocketflow.learn.calibration-images=48",
                "pocketflow.learn.mac-fraction=0.5", "pocketflow.search.sampler=random", "pocketflow.search.trials=3"));
        assertEquals(0, o.code(), o.err() + o.out());
        JsonNode r = Cli.report(run);
        assertEquals(3, r.at("/study/counts/complete").asLong(), r.get("study").toString());
        for (JsonNode t : r.at("/study/trials")) {
            assertTrue(t.get("validationAccuracy").asDouble() > BOUND, "validation accuracy of a trial: " + t);
        }
        JsonNode best = r.get("compressed");
        assertTrue(best.get("macFraction").asDouble() <= 0.5 + 1e-9, best.toString());
        assertTrue(best.get("testAccuracy").asDouble() > BOUND, best.toString());
        assertEquals("ok", best.at("/onnx/status").asText(), best.toString());
        assertEquals(best.get("testAccuracy").asDouble(), best.at("/onnx/dl4jAccuracy").asDouble(), 1e-9);
        assertTrue(Files.exists(run.resolve("model.pfpk")));
    }
}
