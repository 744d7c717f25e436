package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.conf.JvmFlags;

/**
 * What a person sees when a job fails after Spark has started (a model zip that is whole but
 * not a network, so it passes preflight and fails on the executor): the driver JVM's terminal
 * carries no stack trace, the last line names the cause and driver.log; with --verbose the
 * traces are printed.
 */
class TerminalOutputTest {
    private static String runDriver(Path tmp, String runDir, boolean verbose) throws Exception {
        Path zip = tmp.resolve("not-a-network.zip");
        if (!Files.exists(zip)) {
            try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
                out.putNextEntry(new ZipEntry("configuration.json"));
                out.write("{\"not\":\"a graph\"}".getBytes(StandardCharsets.UTF_8));
                out.putNextEntry(new ZipEntry("coefficients.bin"));
                out.write(new byte[64]);
            }
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JvmFlags.list());
        cmd.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), PocketFlowMain.class.getName(),
                "run", "--conf", "pocketflow.spark.master=local[1]", "--conf", "pocketflow.run.dir=" + tmp.resolve(runDir),
                "--conf", "pocketflow.data.uri=" + PreflightTest.tinyDataset(tmp.resolve("data")).toUri(),
                "--conf", "pocketflow.model.path=" + zip, "--conf", "spark.task.maxFailures=1"));
        if (verbose) {
            cmd.add("--verbose");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), output);
        assertEquals(1, p.exitValue(), output);
        return output;
    }

    @Test
    void aFailedJobPrintsNoStackTraceUnlessVerbose(@TempDir Path tmp) throws Exception {
        String quiet = runDriver(tmp, "quiet", false);
        assertFalse(quiet.contains("\tat "), quiet);
        String last = quiet.strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("job failed: model file ") && last.contains("driver.log"), quiet);
        assertTrue(Files.readString(tmp.resolve("quiet/driver.log")).contains("\tat "));

        String verbose = runDriver(tmp, "verbose", true);
        assertTrue(verbose.contains("\tat "), verbose);
    }
}
