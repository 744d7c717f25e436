package org.pocketflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pocketflow.tests.ClusterJobs.finish;
import static org.pocketflow.tests.ClusterJobs.tail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.worker.distributed.LoopbackPorts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * PocketFlow on a Spark standalone cluster of real processes, with no Spark installation: a
 * master and two one-core workers started as separate JVMs from the Maven jars
 * ({@link StandaloneCluster}), jobs submitted as a user does, through {@code submit/bin/pocketflow}
 * and {@code spark-submit} ({@link SparkDistribution}) with the shaded application jar
 * ({@code mvn -Pdist package}, which {@code .ci/run} builds before the tests). Everything listens
 * on 127.0.0.1; every process shares this host's disk, declared with
 * {@code pocketflow.run.shared-filesystem=true}.
 */
class StandaloneClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long JOB_MINUTES = ClusterJobs.JOB_MINUTES;
    /** An executor's log line for a task it starts: {@code Running task 0.0 in stage 2.0 (TID 2)}. */
    private static final Pattern RUNNING = Pattern.compile("Running task (\\d+\\.\\d+) in stage (\\S+) \\(TID (\\d+)\\)");
    /** The driver's log line naming its application: {@code Connected to Spark cluster with app ID app-...}. */
    private static final Pattern APP_ID = Pattern.compile("Connected to Spark cluster with app ID (\\S+)");

    private static Path appJar;
    private static StandaloneCluster cluster;
    private static SparkDistribution spark;
    /** The cluster's logs and each job's driver log, kept for a look after a failure. */
    private static Path logs;
    private final List<Process> jobs = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws IOException, InterruptedException {
        appJar = ClusterJobs.requireAppJarAndData();

        logs = Files.createDirectories(Path.of("target/standalone-cluster").toAbsolutePath());
        spark = SparkDistribution.assemble(logs.resolve("spark"));
        cluster = StandaloneCluster.start(spark, logs, 2, "1536m");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void killJobs() {
        jobs.forEach(ClusterJobs::kill);
    }

    /** Starts {@code submit/bin/pocketflow COMMAND --conf ...} against the cluster; output goes to {@code log}. */
    private Process launch(Path log, String command, List<String> conf) throws IOException {
        List<String> all = new ArrayList<>(List.of("pocketflow.spark.master=" + cluster.masterUrl(),
                "pocketflow.run.shared-filesystem=true", "pocketflow.data.uri=" + ClusterJobs.DATA));
        all.addAll(conf);
        Process p = ClusterJobs.launch(log, appJar, spark.env(), command, all);
        jobs.add(p);
        return p;
    }

    private static List<String> study(Path runDir) {
        return List.of("pocketflow.run.dir=" + runDir, "pocketflow.data.train-limit=1500", "pocketflow.data.test-limit=300",
                "pocketflow.train.epochs=1", "pocketflow.eval.latency-warmup=1", "pocketflow.eval.latency-iterations=2",
                "pocketflow.learn.algorithm=channel-pruning", "pocketflow.learn.mac-fraction=0.5",
                "pocketflow.learn.fine-tune-epochs=1", "pocketflow.search.sampler=random", "pocketflow.search.trials=3",
                "pocketflow.search.parallelism=2", "pocketflow.search.max-failed-trials=1");
    }

    private static void assertStudySucceeded(Path runDir, Path log) throws IOException {
        JsonNode report = JSON.readTree(runDir.resolve("report.json").toFile());
        assertEquals("succeeded", report.get("status").asText(), report.toString());
        assertEquals(cluster.masterUrl(), report.at("/provenance/sparkMaster").asText(), report.toString());
        JsonNode study = report.get("study");
        assertEquals(3, study.at("/counts/complete").asInt(), study.toString());
        assertFalse(Files.readString(runDir.resolve("trials.jsonl")).contains("FAILED"), tail(log));
        assertFalse(Files.readString(log).contains("signal received"), "a finished job exits without waiting:\n" + tail(log));
        System.out.printf("standalone study: wall %.1f s, scheduling overhead per trial %s%n",
                report.get("wallSeconds").asDouble(), study.get("schedulingOverheadSeconds"));
    }

    @Test
    void studyRunsOnTwoExecutorJvmsFromTheApplicationJar(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("study");
        Path log = logs.resolve("study.log");
        long started = System.nanoTime();
        Process job = launch(log, "run", study(runDir));
        assertEquals(0, finish(job, log), tail(log));
        System.out.printf("standalone study: launcher to exit %.1f s%n", (System.nanoTime() - started) / 1e9);
        assertStudySucceeded(runDir, log);
    }

    @Test
    void trainDistributedRunsTwoWorkersOnTheExecutors(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("distributed");
        Path log = logs.resolve("train-distributed.log");
        Process job = launch(log, "train-distributed", List.of("pocketflow.run.dir=" + runDir,
                "pocketflow.data.train-limit=1200", "pocketflow.data.test-limit=500",
                "pocketflow.data.validation-fraction=0", "pocketflow.train.epochs=1", "pocketflow.train.batch-size=16",
                "pocketflow.train.learning-rate=0.02", "pocketflow.distributed.workers=2",
                "pocketflow.distributed.port-base=" + LoopbackPorts.freeBase(2)));
        assertEquals(0, finish(job, log), tail(log));

        JsonNode report = JSON.readTree(runDir.resolve("report.json").toFile());
        assertEquals("succeeded", report.get("status").asText(), report.toString());
        JsonNode d = report.get("distributed");
        assertEquals(d.get("totalSteps").asLong(), d.at("/stats/step").asLong(), d.toString());
        assertEquals(2, d.get("workers").size(), d.toString());
        d.get("workers").forEach(w -> assertEquals("FINISHED", w.get("outcome").asText(), w.toString()));
        assertTrue(d.get("testAccuracy").asDouble() > 0.5, d.toString());
        assertTrue(Files.exists(runDir.resolve("model.zip")));
    }

    @Test
    void studyCompletesWhenAnExecutorIsKilledMidTrial(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("study");
        Path log = logs.resolve("study-executor-killed.log");
        Process job = launch(log, "run", study(runDir));

        // trials are RUNNING in the store once the baseline's task is over: a busy executor now runs a trial
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(JOB_MINUTES);
        Path trials = runDir.resolve("trials.jsonl");
        Optional<Busy> victim = Optional.empty();
        while (victim.isEmpty()) {
            assertTrue(job.isAlive(), "the job ended before an executor ran a trial:\n" + tail(log));
            assertTrue(System.nanoTime() < deadline, "no executor ran a trial within " + JOB_MINUTES + " minutes");
            Thread.sleep(200);
            if (Files.exists(trials) && Files.readString(trials).contains("RUNNING")) {
                victim = executorRunningATask(appId(log));
            }
        }
        long killed = System.nanoTime();
        victim.get().executor().destroyForcibly(); // SIGKILL, as kill -9
        System.out.println("killed executor " + victim.get().executorId() + " (pid " + victim.get().executor().pid()
                + ") while it ran task " + victim.get().task());

        // bounded by the job's own end: the lost task runs again (attempt 1) on an executor of this application
        while (job.isAlive() && !retryStarted(victim.get().appId())) {
            assertTrue(System.nanoTime() < deadline, "no task was retried within " + JOB_MINUTES + " minutes");
            Thread.sleep(200);
        }
        System.out.printf("executor kill: the lost trial's task ran again %.1f s after the kill%n",
                (System.nanoTime() - killed) / 1e9);

        assertEquals(0, finish(job, log), tail(log));
        assertTrue(retryStarted(victim.get().appId()), "no task attempt after the first:\n" + tail(log));
        String id = victim.get().executorId();
        String executor = "executor " + id;
        // the task's failure line (TaskSetManager) or, when the kill lands as the task is being launched,
        // the scheduler's own line on the lost executor: either way the driver saw it go
        String driverLog = Files.readString(log);
        assertTrue(driverLog.contains("ExecutorLostFailure (" + executor) || driverLog.contains("Lost " + executor + " "),
                "the driver did not report task " + victim.get().task() + " lost with " + executor + "; its lines on it:\n"
                        + Files.readAllLines(log).stream().filter(l -> l.contains(executor) || l.contains("/" + id + " ")
                                || l.contains("attempt") || l.contains("Lost")).collect(Collectors.joining("\n")));
        assertStudySucceeded(runDir, log);
    }

    /** An executor JVM with a task started and not finished, as its log says. */
    private record Busy(ProcessHandle executor, String appId, String executorId, String task) {
    }

    /** The application ID the driver logged, or "" before it connected to the master. */
    private static String appId(Path log) throws IOException {
        Matcher m = APP_ID.matcher(Files.readString(log));
        return m.find() ? m.group(1) : "";
    }

    /**
     * An executor of application {@code appId} running a task. Only that application's logs count: an
     * earlier test's executor can outlive its application for seconds while its worker stops it, and
     * its log may end on a task it never finished.
     */
    private static Optional<Busy> executorRunningATask(String appId) throws IOException {
        for (Path stderr : cluster.executorLogs()) {
            if (appId.isEmpty() || !stderr.getParent().getParent().getFileName().toString().equals(appId)) {
                continue;
            }
            String text = Files.readString(stderr);
            Matcher m = RUNNING.matcher(text);
            String busy = null;
            while (m.find()) {
                boolean done = text.contains("Finished task " + m.group(1) + " in stage " + m.group(2) + " (TID " + m.group(3) + ")");
                busy = done ? null : m.group(1) + " in stage " + m.group(2);
            }
            if (busy != null) {
                String executorId = stderr.getParent().getFileName().toString();
                Optional<ProcessHandle> p = cluster.executors().stream().filter(e -> {
                    String cmd = e.info().commandLine().orElse("");
                    return cmd.contains("--executor-id " + executorId + " ") && cmd.contains("--app-id " + appId);
                }).findFirst();
                if (p.isPresent()) {
                    return Optional.of(new Busy(p.get(), appId, executorId, busy));
                }
            }
        }
        return Optional.empty();
    }

    /** Whether an executor of application {@code appId} started a task's second (or later) attempt. */
    private static boolean retryStarted(String appId) throws IOException {
        for (Path stderr : cluster.executorLogs()) {
            if (!stderr.getParent().getParent().getFileName().toString().equals(appId)) {
                continue;
            }
            Matcher m = RUNNING.matcher(Files.readString(stderr));
            while (m.find()) {
                if (!m.group(1).endsWith(".0")) {
                    return true;
                }
            }
        }
        return false;
    }
}
