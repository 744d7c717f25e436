package org.pocketflow.driver.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Journal discipline of the trial store: writers killed ({@code SIGKILL}) at random points lose
 * no acknowledged record and leave a file that the next writer reads and appends to.
 */
class TrialStoreCrashTest {
    private static final int KILLS = 30;
    private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(240);

    @Test
    void everyAcknowledgedRecordSurvivesWritersKilledAtRandomPoints(@TempDir Path tmp) throws Exception {
        String uri = tmp.resolve("trials.jsonl").toUri().toString();
        SplittableRandom rng = new SplittableRandom(20261206);
        long deadline = System.nanoTime() + BUDGET_NANOS;
        int kills = 0;
        int acknowledged = -1;
        while (kills < KILLS && System.nanoTime() < deadline) {
            int stored = checkedCount(uri, acknowledged);
            Process writer = new ProcessBuilder(javaCommand(), "-Xmx256m", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), TrialStoreWriter.class.getName(), uri,
                    String.valueOf(stored)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            AtomicInteger lastAck = new AtomicInteger(acknowledged);
            Thread reader = new Thread(() -> readAcks(writer, lastAck));
            reader.start();
            int wantAcks = 1 + rng.nextInt(40);
            while (lastAck.get() < stored + wantAcks - 1 && writer.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            Thread.sleep(rng.nextInt(15)); // the kill lands at a random point of a later append
            writer.destroyForcibly();
            writer.waitFor();
            reader.join();
            assertTrue(lastAck.get() >= stored, "the writer acknowledged nothing; see its stderr by running it alone");
            acknowledged = lastAck.get();
            kills++;
        }
        assertTrue(kills >= 10, "only " + kills + " kills in the time budget");
        int stored = checkedCount(uri, acknowledged);
        assertTrue(stored > acknowledged, stored + " records for " + (acknowledged + 1) + " acknowledged");
        assertEquals(stored, Files.readAllLines(tmp.resolve("trials.jsonl")).size(), "no torn line left after a reopen");
    }

    /** Opens the store as a resumed study would: every record checks, in order, none acknowledged is missing. */
    private static int checkedCount(String uri, int acknowledged) {
        List<TrialRecord> records = new JsonLinesTrialStore(uri).load();
        for (int i = 0; i < records.size(); i++) {
            assertEquals(i, records.get(i).trial(), "records out of order or duplicated");
            assertEquals(TrialStoreWriter.record(i).point(), records.get(i).point());
        }
        assertTrue(records.size() > acknowledged, "acknowledged record " + acknowledged + " lost; "
                + records.size() + " stored");
        return records.size();
    }

    private static void readAcks(Process writer, AtomicInteger lastAck) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.matches("\\d+")) {
                    lastAck.set(Integer.parseInt(line));
                }
            }
        } catch (IOException e) {
            // the process was killed mid-line; what was read is what was acknowledged
        }
    }

    private static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
