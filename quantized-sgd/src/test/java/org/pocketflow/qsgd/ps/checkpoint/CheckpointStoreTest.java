package org.pocketflow.qsgd.ps.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointStoreTest {

    @Test
    void roundTripsAndReplacesTheOldCheckpoint(@TempDir Path dir) {
        CheckpointStore store = new CheckpointStore(dir.resolve("run"));
        assertTrue(store.load().isEmpty());
        Checkpoint a = new Checkpoint(10, "sgd", new float[] {1, 2, 3}, new float[] {0.5f, -1, 0});
        store.save(a);
        assertEquals(a, store.load().orElseThrow());
        Checkpoint b = new Checkpoint(20, "sgd", new float[] {4, 5, 6}, new float[] {1, 1, 1});
        store.save(b);
        assertEquals(b, store.load().orElseThrow());
    }

    @Test
    void aDamagedFileIsReportedNotLoaded(@TempDir Path dir) throws IOException {
        CheckpointStore store = new CheckpointStore(dir);
        store.save(new Checkpoint(1, "sgd", new float[] {1, 2}, new float[] {3, 4}));
        byte[] bytes = Files.readAllBytes(store.file());
        bytes[25] ^= 1;
        Files.write(store.file(), bytes);
        IllegalStateException e = assertThrows(IllegalStateException.class, store::load);
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    }

    @Test
    void aCorruptNewestCheckpointFallsBackToThePreviousOne(@TempDir Path dir) throws IOException {
        CheckpointStore store = new CheckpointStore(dir);
        Checkpoint a = new Checkpoint(10, "sgd", new float[] {1, 2, 3}, new float[] {0, 0, 0});
        Checkpoint b = new Checkpoint(20, "sgd", new float[] {4, 5, 6}, new float[] {1, 1, 1});
        Checkpoint c = new Checkpoint(30, "sgd", new float[] {7, 8, 9}, new float[] {2, 2, 2});
        store.save(a);
        store.save(b);
        store.save(c);
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            assertEquals(java.util.Set.of(CheckpointStore.FILE, CheckpointStore.PREVIOUS),
                    files.map(f -> f.getFileName().toString()).collect(java.util.stream.Collectors.toSet()),
                    "the last two are kept, no temporary file is left");
        }
        byte[] bytes = Files.readAllBytes(store.file());
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(store.file(), bytes);
        assertEquals(b, store.load().orElseThrow(), "the newer one is damaged: resume from the older");
        Files.delete(store.file());
        assertEquals(b, store.load().orElseThrow(), "a crash between the two renames leaves the previous one");
    }

    @Test
    void whenBothAreDamagedTheErrorNamesBothFiles(@TempDir Path dir) throws IOException {
        CheckpointStore store = new CheckpointStore(dir);
        store.save(new Checkpoint(1, "sgd", new float[] {1, 2}, new float[] {3, 4}));
        store.save(new Checkpoint(2, "sgd", new float[] {1, 2}, new float[] {3, 4}));
        Files.write(store.file(), new byte[] {1, 2, 3});
        Files.write(store.previousFile(), new byte[40]);
        IllegalStateException e = assertThrows(IllegalStateException.class, store::load);
        assertTrue(e.getMessage().contains(store.file().toString()) && e.getMessage().contains(store.previousFile().toString())
                && e.getMessage().contains("delete"), e.getMessage());
    }
}
