package org.pocketflow.driver.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.driver.Cli;
import org.pocketflow.worker.distributed.LoopbackPorts;

import org.junit.jupiter.api.Test;

/** Bad input ends with exit code 2 and a message naming key, value and fix, before Spark starts. */
class DistributedMainTest {

    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = DistributedMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {Integer.toString(code), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void rejectsAnUnknownCodecBeforeSparkStarts() {
        String[] r = run("train", "--conf", "pocketflow.distributed.codec=qsgd");
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("pocketflow.distributed.codec") && r[1].contains("qsgd") && r[1].contains("ecq"), r[1]);
    }

    @Test
    void rejectsAUserModelBecauseDistributedTrainingStartsFromAZooNetwork() {
        String[] r = run("train", "--conf", "pocketflow.model.path=/etc/hostname");
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("pocketflow.model.path") && r[1].contains("Fix"), r[1]);
    }

    @Test
    void refusesAScalingOrFormatItWouldIgnore() {
        String[] r = run("train", "--conf", "pocketflow.data.normalization=unit");
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("pocketflow.data.normalization") && r[1].contains("Fix"), r[1]);
    }

    @Test
    void usageWithoutTheSubcommand() {
        assertEquals("2", run()[0]);
    }

    private static String[] tinyJob(Path runDir, String... extra) {
        java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("train",
                "--conf", "pocketflow.spark.master=local[2]", "--conf", "pocketflow.run.dir=" + runDir,
                "--conf", "pocketflow.data.train-limit=600", "--conf", "pocketflow.data.test-limit=200",
                "--conf", "pocketflow.train.epochs=1", "--conf", "pocketflow.train.batch-size=32",
                "--conf", "pocketflow.distributed.port-base=" + LoopbackPorts.freeBase(2)));
        return run(Cli.withConf(a, extra));
    }

    @Test
    void writesJobConfAndAReportAndRefusesAnotherJobInItsDirectory(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("run");
        String[] ok = tinyJob(runDir);
        assertEquals("0", ok[0], ok[1]);
        assertTrue(Files.exists(runDir.resolve("job.conf")) && Files.exists(runDir.resolve("model.zip")));
        com.fasterxml.jackson.databind.JsonNode report = org.pocketflow.driver.Json.MAPPER.readTree(
                Files.readString(runDir.resolve("report.json")));
        assertEquals("succeeded", report.get("status").asText(), report.toString());
        assertTrue(report.has("distributed") && report.at("/provenance/config").size() > 10, report.toString());

        String[] other = tinyJob(runDir, "pocketflow.seed=7");
        assertEquals("2", other[0], other[1]);
        assertTrue(other[1].contains("pocketflow.seed"), other[1]);
    }

    @Test
    void aServerOtherHostsReachIsRefusedWithoutSparkAuthenticationOrTheOptOut(@TempDir Path tmp) {
        String[] r = tinyJob(tmp.resolve("run"), "pocketflow.distributed.bind-address=10.255.255.1");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("pocketflow.distributed.allow-unauthenticated") && r[1].contains("10.255.255.1")
                && r[1].contains("spark.authenticate=true") && r[1].contains("Fix"), r[1]);
        assertEquals(1, r[1].strip().lines().count(), "one line, no stack trace: " + r[1]);
    }

    @Test
    void moreWorkersThanSlotsIsBadInputAndTheReportSaysWhy(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("run");
        String[] r = tinyJob(runDir, "pocketflow.distributed.workers=3");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("pocketflow.distributed.workers = 3") && r[1].contains("local[2]"), r[1]);
        com.fasterxml.jackson.databind.JsonNode report = org.pocketflow.driver.Json.MAPPER.readTree(
                Files.readString(runDir.resolve("report.json")));
        assertEquals("failed", report.get("status").asText(), report.toString());
        assertTrue(report.get("error").asText().contains("pocketflow.distributed.workers"), report.toString());
    }
}
