package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.tests.MiniHdfs;
import org.pocketflow.worker.data.stream.ImageFolderToTfRecord;
import org.pocketflow.worker.data.stream.SyntheticImageFolder;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A compression job and a study on TFRecord shards read from an in-process HDFS
 * ({@link MiniDFSCluster}) by real jobs in local Spark: the base model is trained on the shards
 * and pruned with LASSO (its calibration images streamed from HDFS) in one job; a study of that
 * base model scores its trials on the shards' validation split. Both stay well above chance.
 */
class StreamedHdfsJobTest {
    @TempDir
    static Path local;
    @RegisterExtension
    static final MiniHdfs HDFS = new MiniHdfs();
    private static String shards;

    @BeforeAll
    static void startClusterAndCopyShardsIn() throws IOException {
        SyntheticImageFolder.write(local.resolve("images"), 3, 80, 20, 40, 90, "mixed", 11);
        ImageFolderToTfRecord.convert(local.resolve("images").toString(), local.resolve("shards").toString(), 50, 1, 3);
        shards = HDFS.copyIn(local.resolve("shards"), "/data/shards");
    }

    private static JsonNode job(Path runDir, String... conf) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", "--conf", "pocketflow.spark.master=local[1]",
                "--conf", "pocketflow.run.dir=" + runDir, "--conf", "pocketflow.data.format=tfrecord",
                "--conf", "pocketflow.data.uri=" + shards, "--conf", "pocketflow.data.classes=3",
                "--conf", "pocketflow.data.image-size=32", "--conf", "pocketflow.train.batch-size=16",
                "--conf", "pocketflow.eval.latency-iterations=2", "--conf", "pocketflow.eval.latency-warmup=1",
                "--conf", "pocketflow.learn.algorithm=channel-pruning", "--conf", "pocketflow.learn.mac-fraction=0.5",
                "--conf", "pocketflow.learn.channel-selector=lasso", "--conf", "pocketflow.learn.calibration-images=48",
                "--conf", "pocketflow.learn.fine-tune-epochs=2", "--conf", "pocketflow.learn.fine-tune-learning-rate=0.005",
                "--conf", "pocketflow.seed=5"));
        for (String c : conf) {
            args.add("--conf");
            args.add(c);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PocketFlowMain.run(args.toArray(String[]::new),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return Json.MAPPER.readTree(runDir.resolve("report.json").toFile());
    }

    @Test
    void aCompressionJobAndAStudyReadShardsFromHdfs(@TempDir Path tmp) throws Exception {
        assertTrue(shards.startsWith("hdfs://"), shards);
        JsonNode r = job(tmp.resolve("compress"), "pocketflow.train.epochs=4", "pocketflow.train.learning-rate=0.01");
        assertEquals(shards, r.at("/baseline/dataset/uri").asText());
        JsonNode c = r.at("/baseline/compressed");
        assertTrue(c.get("macs").asLong() <= 0.5 * r.at("/baseline/macs").asLong() + 1, c.toString());
        // chance is 1/3
        assertTrue(c.get("testAccuracy").asDouble() > 0.7, c.toString());
        assertEquals("ok", c.at("/onnx/status").asText(), c.toString());

        JsonNode s = job(tmp.resolve("study"), "pocketflow.model.path=" + tmp.resolve("compress/model.zip"),
                "pocketflow.search.sampler=random", "pocketflow.search.trials=2");
        assertEquals(2, s.at("/study/counts/complete").asLong(), s.get("study").toString());
        assertTrue(s.at("/compressed/testAccuracy").asDouble() > 0.7, s.get("compressed").toString());
    }
}
