package org.pocketflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.driver.JobRunner;
import org.pocketflow.driver.Json;
import org.pocketflow.driver.RunDirectory;
import org.pocketflow.worker.distributed.LoopbackPorts;

/**
 * A study whose trials run on two workers each through their own parameter server, on Spark's
 * {@code local-cluster[2,1,1024]} (a standalone master, two workers, two executor JVMs; see
 * {@link LocalClusters}): one executor JVM halted in the middle of the first trial's rung. Spark
 * counts the lost task as a failure and reruns it ({@code spark.task.maxFailures}) once the
 * standalone worker has started a replacement executor for the one that exited; the retry rejoins
 * the trial's server under its worker id if it is back within {@code timeout-ms}, otherwise the
 * server drops it and the rung finishes on the other worker. Either way every trial completes.
 */
class TrialsLocalClusterTest {
    private static final Pattern RUNG = Pattern.compile("trial (\\d+) rung \\d+: \\d+ steps on 2 workers .* dropped \\[(.*)]");

    @Test
    void aStudyFinishesEveryTrialWhenAnExecutorDiesMidTrial(@TempDir Path tmp) throws IOException {
        ClusterJobs.require(Files.isDirectory(ClusterJobs.DATA), "Fashion-MNIST is not installed: apt-get install "
                + "dataset-fashion-mnist");
        ClusterJobs.require(LocalClusters.sparkHomeConfigured(),
                "SPARK_HOME and SPARK_SCALA_VERSION are set by tests/pom.xml's surefire configuration");
        LocalClusters.prepareSparkHome();
        Path marks = Files.createDirectories(tmp.resolve("marks"));
        Path runDir = tmp.resolve("study");
        JobConfig config = JobConfig.load(Optional.empty(), List.of("pocketflow.spark.master=local-cluster[2,1,1024]",
                "spark.executor.extraClassPath=" + LocalClusters.executorClassPath(), "spark.authenticate=true",
                "spark.authenticate.secret=" + UUID.randomUUID(), "spark.task.maxFailures=4",
                "pocketflow.run.dir=" + runDir, "pocketflow.data.uri=" + ClusterJobs.DATA,
                "pocketflow.data.train-limit=3000", "pocketflow.data.test-limit=1000", "pocketflow.train.epochs=1",
                "pocketflow.train.batch-size=32", "pocketflow.seed=11",
                "pocketflow.eval.latency-warmup=1", "pocketflow.eval.latency-iterations=2",
                "pocketflow.learn.algorithm=channel-pruning", "pocketflow.learn.mac-fraction=0.5",
                "pocketflow.learn.fine-tune-epochs=1", "pocketflow.search.sampler=random", "pocketflow.search.trials=2",
                "pocketflow.search.parallelism=1", "pocketflow.search.workers-per-trial=2",
                "pocketflow.distributed.timeout-ms=8000", "pocketflow.distributed.join-timeout-ms=120000",
                "pocketflow.distributed.port-base=" + LoopbackPorts.freeBase(5)));
        List<String> out = new CopyOnWriteArrayList<>();
        try (RunDirectory dir = RunDirectory.claim(config, false, LocalDateTime.now())) {
            new JobRunner(config, line -> {
                System.out.println(line);
                out.add(line);
            }, new HaltOneExecutorOnce(marks.toString(), 1, 10)).run(dir);
        }

        assertTrue(Files.exists(marks.resolve("halted")), "an executor was halted: " + out);
        JsonNode report = Json.MAPPER.readTree(runDir.resolve("report.json").toFile());
        assertEquals("succeeded", report.get("status").asText(), report.path("error").asText());
        JsonNode study = report.get("study");
        assertEquals(2, study.at("/counts/complete").asLong(), study.toString());
        assertEquals(0, study.at("/counts/failed").asLong(), study.toString());
        study.get("trials").forEach(t -> {
            assertEquals("COMPLETE", t.get("state").asText(), t.toString());
            assertTrue(t.get("validationAccuracy").asDouble() > 0.5, "a half-MAC LeNet after one epoch on two "
                    + "workers (chance 0.1): " + t);
        });

        // the killed worker's task was retried in a fresh executor, or the server dropped it and went on
        List<String> dropped = new ArrayList<>();
        List<String> rungs = new ArrayList<>();
        for (String line : out) {
            Matcher m = RUNG.matcher(line);
            if (m.find()) {
                rungs.add(line);
                if (m.group(2).contains("1")) {
                    dropped.add(line);
                }
            }
        }
        assertEquals(2, rungs.size(), "one rung per trial through the server: " + rungs);
        List<String> retries;
        try (Stream<Path> s = Files.list(marks)) {
            retries = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("attempt-1-")).toList();
        }
        assertTrue(!dropped.isEmpty() || !retries.isEmpty(), "worker 1 was dropped or its retry pushed: " + rungs);
        assertTrue(report.at("/compressed/testAccuracy").asDouble() > 0.5, report.get("compressed").toString());
    }
}
