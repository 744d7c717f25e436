package org.pocketflow.driver.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.driver.Json;
import org.pocketflow.driver.SparkContexts;
import org.pocketflow.tests.MiniHdfs;
import org.pocketflow.worker.distributed.LoopbackPorts;
import org.pocketflow.worker.distributed.NopWorkerHook;
import org.pocketflow.worker.distributed.WorkerHook;

/**
 * {@code train-distributed}'s own checkpoints ({@code pocketflow.distributed.checkpoint-every}) on
 * a run directory on an in-process HDFS: two Spark tasks ({@code local[2]},
 * {@code spark.authenticate=true}) train LeNet until every worker dies after 7 pushes; the server
 * has written {@code ps-checkpoint.pfck} of step 6 into the {@code hdfs://} run directory (with the
 * previous one, no temporary file); the job run again in the same directory resumes there at step
 * 6, its workers computing the steps left only, and writes {@code model.zip} beside it. The
 * command line checkpoints into an {@code hdfs://} run directory too.
 */
class HdfsDistributedResumeTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";
    @RegisterExtension
    static final MiniHdfs HDFS = new MiniHdfs();

    @BeforeAll
    static void needsData() {
        assumeTrue(Files.isDirectory(Path.of(DATA)) || "true".equals(System.getenv("CI")), "Fashion-MNIST not installed");
    }

    private static JobConfig config() {
        return JobConfig.load(Optional.empty(), List.of("pocketflow.spark.master=local[2]", "spark.authenticate=true",
                "pocketflow.data.uri=file://" + DATA, "pocketflow.data.train-limit=1200", "pocketflow.data.test-limit=1000",
                "pocketflow.data.validation-fraction=0", "pocketflow.train.epochs=1", "pocketflow.train.batch-size=16",
                "pocketflow.train.learning-rate=0.02", "pocketflow.distributed.workers=2",
                "pocketflow.distributed.timeout-ms=3000", "pocketflow.distributed.checkpoint-every=3",
                "pocketflow.distributed.port-base=" + LoopbackPorts.freeBase(2)));
    }

    @Test
    void aJobStoppedOnAnHdfsRunDirectoryResumesFromItsCheckpointThere() throws Exception {
        FileSystem fs = HDFS.fs();
        String runDir = HDFS.uri() + "/runs/train-distributed";
        JobConfig c = config();
        List<String> lines = new CopyOnWriteArrayList<>();
        DistributedResult r;
        try (JavaSparkContext sc = SparkContexts.create(c, "hdfs-distributed-resume-test")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new DistributedTrainer(c, line -> { }, new KillAllAfter(7)).train(sc, runDir));
            assertTrue(e.getMessage().contains("dropped"), e.getMessage());
            List<String> names = Arrays.stream(fs.listStatus(new org.apache.hadoop.fs.Path(runDir)))
                    .map(f -> f.getPath().getName()).sorted().toList();
            assertEquals(List.of("ps-checkpoint.pfck", "ps-checkpoint.prev.pfck"), names,
                    "the server's last two checkpoints on HDFS, no temporary file");

            r = new DistributedTrainer(c, lines::add, NopWorkerHook.INSTANCE).train(sc, runDir);
        }
        assertEquals(6, r.resumedFromStep(), String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.contains("(resuming at step 6)")), String.join("\n", lines));
        assertEquals(r.totalSteps(), r.stats().step());
        long left = r.totalSteps() - 6;
        r.workers().forEach(w -> assertEquals(left, w.steps(), "each worker computed the steps left: " + w));
        assertTrue(r.stats().checkpoints() > 0, "the resumed server checkpoints on HDFS too: " + r.stats());
        assertTrue(r.modelFile().startsWith(HDFS.uri()) && fs.exists(new org.apache.hadoop.fs.Path(r.modelFile())),
                r.modelFile());
        assertTrue(r.testAccuracy() > 0.6, "test accuracy " + r.testAccuracy());
    }

    /**
     * The command line ({@code DistributedMain train}) with {@code pocketflow.run.dir} on HDFS and
     * checkpoints on, which was refused (exit 2) while checkpoints needed a local run directory:
     * exit 0, {@code job.conf}, {@code model.zip}, {@code report.json} and the checkpoint there.
     */
    @Test
    void theCommandLineCheckpointsIntoAnHdfsRunDirectory() throws Exception {
        FileSystem fs = HDFS.fs();
        String runDir = HDFS.uri() + "/runs/cli";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = DistributedMain.run(new String[] {"train", "--conf", "pocketflow.spark.master=local[2]",
                "--conf", "pocketflow.run.dir=" + runDir, "--conf", "pocketflow.data.train-limit=600",
                "--conf", "pocketflow.data.test-limit=200", "--conf", "pocketflow.train.epochs=1",
                "--conf", "pocketflow.train.batch-size=32", "--conf", "pocketflow.distributed.checkpoint-every=3",
                "--conf", "pocketflow.distributed.port-base=" + LoopbackPorts.freeBase(2)},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String said = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, said);
        for (String name : List.of("job.conf", "model.zip", "report.json", "ps-checkpoint.pfck")) {
            assertTrue(fs.exists(new org.apache.hadoop.fs.Path(runDir, name)), name + " in " + runDir + ": " + said);
        }
        JsonNode report;
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(runDir, "report.json"))) {
            report = Json.MAPPER.readTree(in);
        }
        assertEquals("succeeded", report.get("status").asText(), report.toString());
        assertTrue(report.at("/distributed/stats/checkpoints").asLong() > 0, report.toString());
    }

    /** Every worker's first attempt dies (throws) after {@code pushes} pushes: the job fails as if the cluster went away. */
    record KillAllAfter(long pushes) implements WorkerHook {
        @Override
        public void afterPush(int workerId, int attempt, long step) {
            if (attempt == 0 && step + 1 >= pushes) {
                throw new IllegalStateException("worker " + workerId + " killed by the test after " + pushes + " pushes");
            }
        }
    }
}
