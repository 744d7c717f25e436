package org.pocketflow.driver.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.driver.search.TrialState;
import org.pocketflow.worker.eval.Latency;
import org.pocketflow.worker.task.TrialResult;

class JsonLinesTrialStoreTest {
    static TrialResult result(int trial, int rung, double acc) {
        return new TrialResult(trial, rung, TrialResult.COMPLETE, "", acc, 1000 + trial, 50, 4096, 2048,
                new Latency(0.5, 3.0), Map.of("conv2", 0.5), "file:/tmp/t/rung-" + rung + ".zip",
                "file:/tmp/t/rung-" + rung + ".pfpk", 10, 20);
    }

    static List<TrialRecord> sample() {
        Map<String, Object> point = Map.of("conv2", 0.625, "bits", 4, "opt", "sgd");
        return List.of(
                new TrialRecord(0, TrialState.RUNNING, -1, point, Double.NaN, "", null, 0, 1L),
                new TrialRecord(0, TrialState.RUNNING, 0, point, 0.81, "", result(0, 0, 0.81), 0, 2L),
                new TrialRecord(0, TrialState.COMPLETE, 1, point, 0.875, "", result(0, 1, 0.875), 0, 3L),
                new TrialRecord(1, TrialState.FAILED, -1, point, Double.NaN, "training diverged: loss NaN", null, 1, 4L));
    }

    @Test
    void roundTripsEveryRecordExactly(@TempDir Path tmp) {
        JsonLinesTrialStore store = new JsonLinesTrialStore(tmp.resolve("trials.jsonl").toUri().toString());
        sample().forEach(store::append);
        List<TrialRecord> back = new JsonLinesTrialStore(tmp.resolve("trials.jsonl").toUri().toString()).load();
        assertEquals(sample().size(), back.size());
        for (int i = 0; i < back.size(); i++) {
            TrialRecord a = sample().get(i);
            TrialRecord b = back.get(i);
            assertEquals(a.toTrial(), b.toTrial());
            assertEquals(a.result(), b.result());
            assertEquals(a.reason(), b.reason());
            assertEquals(a.session(), b.session());
        }
        assertEquals(Integer.class, back.get(0).point().get("bits").getClass());
    }

    @Test
    void appendsAreDurableAcrossInstancesAndNeverRewriteEarlierLines(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("trials.jsonl");
        new JsonLinesTrialStore(file.toUri().toString()).append(sample().get(0));
        String first = Files.readString(file);
        // a second driver (a resumed session) appends to what the first left
        JsonLinesTrialStore second = new JsonLinesTrialStore(file.toUri().toString());
        second.append(sample().get(1));
        assertTrue(Files.readString(file).startsWith(first));
        assertEquals(2, Files.readAllLines(file).size());
        assertEquals(2, new JsonLinesTrialStore(file.toUri().toString()).load().size());
    }

    @Test
    void rewriteByRenameKeepsEverythingWhereAppendIsUnavailable(@TempDir Path tmp) {
        JsonLinesTrialStore store = new JsonLinesTrialStore(tmp.resolve("trials.jsonl").toUri().toString());
        store.disableAppend();
        sample().forEach(store::append);
        assertEquals(sample().size(), store.load().size());
        assertTrue(Files.notExists(tmp.resolve("trials.jsonl.tmp")));
    }

    @Test
    void ignoresATornLastLineButRejectsADamagedEarlierOne(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("trials.jsonl");
        JsonLinesTrialStore store = new JsonLinesTrialStore(file.toUri().toString());
        sample().forEach(store::append);
        String torn = JsonLinesTrialStore.line(sample().get(0));
        Files.writeString(file, torn.substring(0, torn.length() / 2), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        assertEquals(sample().size(), store.load().size());
        // the next store to open the file truncates the torn line, so its appends start on a clean line
        JsonLinesTrialStore reopened = new JsonLinesTrialStore(file.toUri().toString());
        assertEquals(sample().size(), reopened.load().size());
        assertEquals(sample().size(), Files.readAllLines(file).size());
        reopened.append(sample().get(3));
        assertEquals(sample().size() + 1, new JsonLinesTrialStore(file.toUri().toString()).load().size());

        List<String> lines = Files.readAllLines(file);
        lines.set(1, lines.get(1).replace("0.81", "0.91"));
        Files.write(file, lines);
        IllegalStateException e = assertThrows(IllegalStateException.class, store::load);
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void appendsInPlaceOnTheLocalFileSystemInsteadOfRewritingTheFile(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("trials.jsonl");
        JsonLinesTrialStore store = new JsonLinesTrialStore(file.toUri().toString());
        store.append(sample().get(0));
        Object inode = Files.getAttribute(file, "unix:ino");
        sample().subList(1, 4).forEach(store::append);
        assertEquals(inode, Files.getAttribute(file, "unix:ino"), "the file was replaced, not appended to");
        assertEquals(4, store.load().size());
    }

    @Test
    void recoversTheTemporaryFileLeftBetweenDeleteAndRename(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("trials.jsonl");
        new JsonLinesTrialStore(file.toUri().toString()).append(sample().get(0));
        Files.move(file, tmp.resolve("trials.jsonl.tmp")); // an older rewrite died after deleting the file
        JsonLinesTrialStore next = new JsonLinesTrialStore(file.toUri().toString());
        next.append(sample().get(1));
        assertEquals(2, next.load().size(), "the history in .tmp must not be dropped");
        assertTrue(Files.notExists(tmp.resolve("trials.jsonl.tmp")));
    }

    @Test
    void continuesAStoreThatHadoopsChecksummedFileSystemWroteAndHadoopStillReadsIt(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("trials.jsonl");
        var fs = org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration());
        var path = new org.apache.hadoop.fs.Path(file.toUri());
        try (var out = fs.create(path, false)) { // as an older version wrote it, with .trials.jsonl.crc
            out.write((JsonLinesTrialStore.line(sample().get(0)) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        new JsonLinesTrialStore(file.toUri().toString()).append(sample().get(1));
        try (var in = fs.open(path)) {
            assertEquals(2, new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().count());
        }
    }
}
