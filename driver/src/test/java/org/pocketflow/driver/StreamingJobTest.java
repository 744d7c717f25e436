package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.worker.data.stream.ImageFolderToTfRecord;
import org.pocketflow.worker.data.stream.SyntheticImageFolder;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Streamed formats through real jobs ({@code PocketFlowMain}, local Spark): LeNet learns a generated
 * RGB image folder, the model it wrote scores the same on the same images as TFRecord shards, and
 * settings the streamed formats cannot take are refused with exit code 2.
 */
class StreamingJobTest {
    @TempDir
    static Path tmp;
    private static Path folder;
    private static Path shards;

    @BeforeAll
    static void generate() {
        folder = tmp.resolve("images");
        // 3 classes of oriented, coloured stripes; sizes 40..90; every third image grey
        SyntheticImageFolder.write(folder, 3, 80, 20, 40, 90, "mixed", 11);
        shards = tmp.resolve("shards");
        ImageFolderToTfRecord.convert(folder.toString(), shards.toString(), 50, 1, 3);
    }

    private static Cli.Outcome job(Path runDir, String... conf) {
        List<String> args = new ArrayList<>(List.of("run", "--conf", "pocketflow.spark.master=local[1]",
                "--conf", "pocketflow.run.dir=" + runDir, "--conf", "pocketflow.data.image-size=32",
                "--conf", "pocketflow.eval.latency-iterations=2", "--conf", "pocketflow.eval.latency-warmup=1",
                "--conf", "pocketflow.seed=5"));
        return Cli.run(Cli.withConf(args, conf));
    }

    private static JsonNode baseline(Path runDir) throws Exception {
        return Cli.report(runDir).get("baseline");
    }

    @Test
    void anImageNetFamilyNetworkLearnsAGeneratedImageFolder() throws Exception {
        // ResNet-18 at ImageNet widths, built for the 32x32 crops the folder is read at
        Path run = tmp.resolve("run-resnet18");
        Cli.Outcome o = job(run, "pocketflow.data.format=image-folder", "pocketflow.data.uri=" + folder,
                "pocketflow.model.arch=resnet18", "pocketflow.train.epochs=3", "pocketflow.train.batch-size=16",
                "pocketflow.train.learning-rate=0.02");
        assertEquals(0, o.code(), o.err());
        JsonNode b = baseline(run);
        assertEquals("resnet18", b.get("model").asText());
        assertEquals(3, b.get("epochs").size());
        // chance is 1/3
        assertTrue(b.get("testAccuracy").asDouble() > 0.6, b.toString());
    }

    @Test
    void lenetLearnsAGeneratedImageFolderAndScoresTheSameOnItsShards() throws Exception {
        Path trained = tmp.resolve("run-folder");
        Cli.Outcome o = job(trained, "pocketflow.data.format=image-folder", "pocketflow.data.uri=" + folder,
                "pocketflow.train.epochs=4", "pocketflow.train.batch-size=16", "pocketflow.train.learning-rate=0.01");
        assertEquals(0, o.code(), o.err());
        JsonNode b = baseline(trained);
        assertEquals("image-folder", b.at("/dataset/format").asText());
        assertEquals("images", b.at("/dataset/name").asText());
        assertEquals("[\"class-00\",\"class-01\",\"class-02\"]", b.at("/dataset/classNames").toString(),
                "the folder of every output");
        assertEquals(216, b.at("/dataset/train").asInt());
        assertEquals(24, b.at("/dataset/validation").asInt());
        assertEquals(60, b.at("/dataset/test").asInt());
        assertEquals("imagenet", b.at("/normalization/source").asText());
        assertEquals(4, b.get("epochs").size());
        // chance is 1/3; the classes differ in colour and stripe angle
        assertTrue(b.get("testAccuracy").asDouble() > 0.8, b.toString());

        Path evaluated = tmp.resolve("run-shards");
        Cli.Outcome s = job(evaluated, "pocketflow.data.format=tfrecord", "pocketflow.data.uri=" + shards,
                "pocketflow.data.classes=3", "pocketflow.model.path=" + trained.resolve("model.zip"));
        assertEquals(0, s.code(), s.err());
        JsonNode e = baseline(evaluated);
        assertEquals(60, e.at("/dataset/test").asInt());
        assertEquals(b.get("testAccuracy").asDouble(), e.get("testAccuracy").asDouble(), 1e-9);
        assertEquals(0, e.get("warnings").size(), e.toString());
    }

    @Test
    void greyDecodingFitsTheScalingOnTrainingImagesByDefault() throws Exception {
        Path run = tmp.resolve("run-grey");
        Cli.Outcome o = job(run, "pocketflow.data.format=image-folder", "pocketflow.data.uri=" + folder,
                "pocketflow.data.channels=1", "pocketflow.train.epochs=1", "pocketflow.train.batch-size=16");
        assertEquals(0, o.code(), o.err());
        JsonNode b = baseline(run);
        assertEquals("fit", b.at("/normalization/source").asText());
        assertEquals(1, b.at("/normalization/mean").size());
        double mean = b.at("/normalization/mean/0").asDouble();
        assertTrue(mean > 0.2 && mean < 0.8, b.get("normalization").toString());
    }

    @Test
    void settingsTheStreamedFormatsCannotTakeAreRefusedWithExitCode2() {
        Cli.Outcome noClasses = job(tmp.resolve("no-classes"), "pocketflow.data.format=tfrecord",
                "pocketflow.data.uri=" + shards);
        assertEquals(2, noClasses.code(), noClasses.err());
        assertTrue(noClasses.err().contains("pocketflow.data.classes"), noClasses.err());

        Cli.Outcome grey = job(tmp.resolve("grey"), "pocketflow.data.format=image-folder", "pocketflow.data.uri=" + folder,
                "pocketflow.data.channels=1", "pocketflow.data.normalization=mean-std",
                "pocketflow.data.mean=0.5,0.5,0.5", "pocketflow.data.std=0.2,0.2,0.2");
        assertEquals(2, grey.code(), grey.err());
        assertTrue(grey.err().contains("pocketflow.data.mean"), grey.err());
    }
}
