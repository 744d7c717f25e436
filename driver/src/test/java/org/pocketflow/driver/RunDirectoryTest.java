package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.conf.ConfigException;
import org.pocketflow.conf.JobConfig;

/** One job per run directory, a finished directory never overwritten, resume only of the same job. */
class RunDirectoryTest {
    @TempDir
    Path tmp;

    private JobConfig config(Path runDir, String... overrides) {
        List<String> all = new java.util.ArrayList<>(List.of("pocketflow.run.dir=" + runDir,
                "pocketflow.data.uri=" + PreflightTest.tinyDataset(tmp.resolve("data")).toUri(), "pocketflow.spark.master=local[1]"));
        all.addAll(List.of(overrides));
        return JobConfig.load(Optional.empty(), all);
    }

    /** Claims {@code runDir} for a new job and writes its job.conf, as {@code pocketflow run} does first. */
    private RunDirectory startJob(Path runDir) {
        JobConfig config = config(runDir);
        RunDirectory dir = RunDirectory.claim(config, false, LocalDateTime.now());
        dir.write(RunDirectory.JOB_CONF, JobFingerprint.render(config.resolved()));
        return dir;
    }

    @Test
    void aSecondJobOnALeasedDirectoryExitsWith2NamingTheHolder() throws Exception {
        Path runDir = tmp.resolve("run");
        try (RunDirectory first = startJob(runDir)) {
            Cli.Outcome second = Cli.run("run", "--conf", "pocketflow.run.dir=" + runDir,
                    "--conf", "pocketflow.data.uri=" + tmp.resolve("data").toUri());
            assertEquals(2, second.code(), second.err());
            assertTrue(second.err().contains(runDir.toString()) && second.err().contains("in use by pid "
                    + ProcessHandle.current().pid()), second.err());
            Cli.Outcome resumed = Cli.run("resume", runDir.toString());
            assertEquals(2, resumed.code(), resumed.err());
            assertTrue(resumed.err().contains("in use by pid"), resumed.err());
        }
        assertFalse(Files.exists(runDir.resolve(RunLease.FILE)), "the lease is released on close");
    }

    @Test
    void aFinishedDirectoryIsNeverOverwrittenByANewJob() throws Exception {
        Path runDir = tmp.resolve("finished");
        try (RunDirectory dir = startJob(runDir)) {
            dir.write("report.json", "{\"status\":\"succeeded\"}");
        }
        String jobConf = Files.readString(runDir.resolve("job.conf"));
        Cli.Outcome o = Cli.run("run", "--conf", "pocketflow.run.dir=" + runDir,
                "--conf", "pocketflow.data.uri=" + tmp.resolve("data").toUri(), "--conf", "pocketflow.seed=99");
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("never overwritten") && o.err().contains("pocketflow resume file:" + runDir), o.err());
        assertEquals(jobConf, Files.readString(runDir.resolve("job.conf")));
        assertEquals("{\"status\":\"succeeded\"}", Files.readString(runDir.resolve("report.json")));
    }

    @Test
    void resumeRefusesOverridesThatMakeAnotherJobAndAnEditedJobConf() throws Exception {
        Path runDir = tmp.resolve("study");
        startJob(runDir).close();
        String jobConf = Files.readString(runDir.resolve("job.conf"));
        Cli.Outcome other = Cli.run("resume", runDir.toString(),
                "--conf", "pocketflow.data.uri=" + PreflightTest.tinyDataset(tmp.resolve("other-data")).toUri());
        assertEquals(2, other.code(), other.err());
        assertTrue(other.err().startsWith("pocketflow.data.uri (in --conf): resume continues the same job"), other.err());
        assertEquals(jobConf, Files.readString(runDir.resolve("job.conf")));

        Files.writeString(runDir.resolve("job.conf"), jobConf.replace("pocketflow.seed = \"42\"", "pocketflow.seed = \"43\""));
        assertNotEquals(jobConf, Files.readString(runDir.resolve("job.conf")), "the edit must change the file");
        Cli.Outcome edited = Cli.run("resume", runDir.toString());
        assertEquals(2, edited.code(), edited.err());
        assertTrue(edited.err().contains("edited since the job started"), edited.err());
    }

    @Test
    void aStaleLeaseIsTakenOverAndALiveOneIsNot() throws Exception {
        Path runDir = Files.createDirectories(tmp.resolve("stale"));
        FileSystem fs = FileSystem.getLocal(new Configuration());
        org.apache.hadoop.fs.Path dir = fs.makeQualified(new org.apache.hadoop.fs.Path(runDir.toUri()));
        Duration interval = Duration.ofMillis(200);
        Instant old = Instant.now().minus(interval.multipliedBy(RunLease.STALE_AFTER + 1));
        Files.writeString(runDir.resolve(RunLease.FILE), "host=gone\npid=1\ntoken=dead\nheartbeat=" + old + "\n");
        try (RunLease lease = RunLease.acquire(fs, dir, "pocketflow.run.dir", interval)) {
            String mine = Files.readString(runDir.resolve(RunLease.FILE));
            assertTrue(mine.contains("pid=" + ProcessHandle.current().pid()), mine);
            var e = assertThrows(ConfigException.class, () -> RunLease.acquire(fs, dir, "pocketflow.run.dir", interval));
            assertTrue(e.problems().get(0).contains("in use by pid " + ProcessHandle.current().pid()), e.getMessage());
            // the holder's heartbeat moves on, so a live holder never looks stale
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (Files.readString(runDir.resolve(RunLease.FILE)).equals(mine) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertNotEquals(mine, Files.readString(runDir.resolve(RunLease.FILE)), "no heartbeat within 20 s");
        }
    }

    @Test
    void aLeaseOfAProcessGoneFromThisHostIsTakenOverAtOnce() throws Exception {
        Path runDir = Files.createDirectories(tmp.resolve("killed"));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String host = java.net.InetAddress.getLocalHost().getHostName();
        Files.writeString(runDir.resolve(RunLease.FILE), "host=" + host + "\npid=" + gone.pid() + "\ntoken=killed\nheartbeat="
                + Instant.now() + "\n");
        FileSystem fs = FileSystem.getLocal(new Configuration());
        org.apache.hadoop.fs.Path dir = fs.makeQualified(new org.apache.hadoop.fs.Path(runDir.toUri()));
        try (RunLease lease = RunLease.acquire(fs, dir, "pocketflow.run.dir")) {
            assertTrue(Files.readString(runDir.resolve(RunLease.FILE)).contains("pid=" + ProcessHandle.current().pid()));
        }
    }
}
