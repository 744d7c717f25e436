package org.pocketflow.driver.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

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
}
