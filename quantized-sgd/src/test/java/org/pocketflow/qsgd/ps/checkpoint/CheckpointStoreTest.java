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
}
