package org.pocketflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Ctrl-C on a running study, as a user presses it: SIGINT to the launcher's JVM while trials run.
 * The job ends with exit 130 and report status {@code interrupted}; no trial is recorded FAILED
 * (so none counts toward max-failed-trials); {@code pocketflow resume} then finishes the study.
 */
class InterruptTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path root;

    @BeforeAll
    static void findRoot() throws IOException {
        root = Path.of(System.getProperty("pf.repo.root", "..")).toAbsolutePath().normalize();
        assertTrue(Files.exists(root.resolve("submit/target/classpath.txt")),
                "launcher classpath not built (the submit module packages it before this module's tests)");
        assertTrue(Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist")), "Fashion-MNIST is installed by .ci/run");
        ClusterJobs.require(!sigintIgnored(), "SIGINT is ignored in this JVM, so the launched job would be too (a build "
                + "started as a background job of a non-interactive shell, e.g. 'nohup mvn ... &', ignores it): run the "
                + "build in the foreground or from a shell with job control (set -m)");
    }

    /** Whether this process inherited SIGINT as ignored (bit 2 of /proc/self/status's SigIgn mask). */
    private static boolean sigintIgnored() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 0x2) != 0;
            }
        }
        return false;
    }

    private static Process launch(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("submit/bin/pocketflow").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PF_NO_BUILD", "1");
        pb.environment().put("OMP_NUM_THREADS", "1");
        return pb.start();
    }

    @Test
    void ctrlCLeavesRunningTrialsResumableAndResumeFinishesTheStudy(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("study");
        Process job = launch(tmp.resolve("run.log"), "run", "--conf", "pocketflow.spark.master=local[2]",
                "--conf", "pocketflow.run.dir=" + runDir, "--conf", "pocketflow.data.train-limit=1500",
                "--conf", "pocketflow.data.test-limit=300", "--conf", "pocketflow.train.epochs=1",
                "--conf", "pocketflow.eval.latency-warmup=1", "--conf", "pocketflow.eval.latency-iterations=2",
                "--conf", "pocketflow.learn.algorithm=channel-pruning", "--conf", "pocketflow.learn.mac-fraction=0.5",
                "--conf", "pocketflow.learn.fine-tune-epochs=2", "--conf", "pocketflow.search.sampler=random",
                "--conf", "pocketflow.search.trials=3", "--conf", "pocketflow.search.parallelism=2",
                "--conf", "pocketflow.search.max-failed-trials=1");
        Path trials = runDir.resolve("trials.jsonl");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!(Files.exists(trials) && Files.readString(trials).contains("RUNNING"))) {
            assertTrue(job.isAlive(), "the job ended before any trial ran: " + Files.readString(tmp.resolve("run.log")));
            assertTrue(System.nanoTime() < deadline, "no trial started within 4 minutes");
            Thread.sleep(200);
        }
        Thread.sleep(1000); // a trial is now training on an executor thread
        new ProcessBuilder("kill", "-INT", Long.toString(job.pid())).inheritIO().start().waitFor();
        assertTrue(job.waitFor(2, TimeUnit.MINUTES), "the job did not stop within 2 minutes of Ctrl-C");
        String log = Files.readString(tmp.resolve("run.log"));
        assertEquals(130, job.exitValue(), log);

        JsonNode report = JSON.readTree(runDir.resolve("report.json").toFile());
        assertEquals("interrupted", report.get("status").asText(), report.toString());
        assertFalse(Files.readString(trials).contains("FAILED"), Files.readString(trials));
        assertTrue(Files.notExists(runDir.resolve("run.lease")), "the lease is released");

        Process resume = launch(tmp.resolve("resume.log"), "resume", runDir.toString());
        assertTrue(resume.waitFor(6, TimeUnit.MINUTES), "resume did not finish");
        assertEquals(0, resume.exitValue(), Files.readString(tmp.resolve("resume.log")));
        JsonNode done = JSON.readTree(runDir.resolve("report.json").toFile());
        assertEquals("succeeded", done.get("status").asText(), done.toString());
    }
}
