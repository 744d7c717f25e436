package org.pocketflow.qsgd.ps.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.qsgd.EncoderState;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    @Test
    void encoderStatesRoundTripPerWorker(@TempDir Path dir) {
        CheckpointStore store = new CheckpointStore(dir);
        Checkpoint a = Checkpoint.withEncoders(8, "sgd", new float[] {1, 2, 3}, new float[] {0, 1, 0},
                java.util.Map.of(0, new EncoderState(8, new float[] {0.25f, -0.5f, 1e-7f}), 2, new EncoderState(7, new float[0])));
        store.save(a);
        Checkpoint read = store.load().orElseThrow();
        assertEquals(a, read);
        assertEquals(java.util.List.of(0, 2), java.util.List.copyOf(read.encoders().keySet()));
        assertEquals(new EncoderState(8, new float[] {0.25f, -0.5f, 1e-7f}), read.encoders().get(0));
    }

    @Test
    void aFormatOneFileReadsAsACheckpointWithoutEncoderStates(@TempDir Path dir) throws IOException {
        CheckpointStore store = new CheckpointStore(dir);
        byte[] name = "sgd".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 8 + 4 + name.length + 4 + 8 + 4 + 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(CheckpointStore.MAGIC).putInt(1).putLong(5).putInt(name.length).put(name)
                .putInt(2).putFloat(1).putFloat(2).putInt(2).putFloat(3).putFloat(4);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        Files.write(store.file(), b.array());
        assertEquals(new Checkpoint(5, "sgd", new float[] {1, 2}, new float[] {3, 4}), store.load().orElseThrow());
    }

    @Test
    void theOptimizersExtraStateRoundTrips(@TempDir Path dir) {
        CheckpointStore store = new CheckpointStore(dir);
        byte[] extra = {0x50, 0x46, 0x48, 0x53, 0, 0, 0, 1, -1, 7};
        Checkpoint a = Checkpoint.withExtra(12, "sgd+hook", new float[] {1, 2}, new float[] {3, 4},
                java.util.Map.of(1, new EncoderState(12, new float[] {0.5f})), extra);
        store.save(a);
        Checkpoint read = store.load().orElseThrow();
        assertEquals(a, read);
        org.junit.jupiter.api.Assertions.assertArrayEquals(extra, read.optimizerExtra());
        extra[0] = 0;
        assertEquals(0x50, a.optimizerExtra()[0], "the checkpoint keeps its own copy");
    }

    @Test
    void aFormatTwoFileReadsAsACheckpointWithoutExtraState(@TempDir Path dir) throws IOException {
        CheckpointStore store = new CheckpointStore(dir);
        byte[] name = "sgd".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 8 + 4 + name.length + 4 + 8 + 4 + 8 + 4 + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(CheckpointStore.MAGIC).putInt(2).putLong(5).putInt(name.length).put(name)
                .putInt(2).putFloat(1).putFloat(2).putInt(2).putFloat(3).putFloat(4).putInt(0);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        Files.write(store.file(), b.array());
        Checkpoint read = store.load().orElseThrow();
        assertEquals(new Checkpoint(5, "sgd", new float[] {1, 2}, new float[] {3, 4}), read);
        assertEquals(0, read.optimizerExtra().length);
    }

    @Test
    void aFileOfAFutureFormatVersionIsRefusedByName(@TempDir Path dir) throws IOException {
        CheckpointStore store = new CheckpointStore(dir);
        store.save(new Checkpoint(1, "sgd", new float[] {1, 2}, new float[] {3, 4}));
        byte[] bytes = Files.readAllBytes(store.file());
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(4, 4);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        b.putInt(bytes.length - 4, (int) crc.getValue());
        Files.write(store.file(), bytes);
        IllegalStateException e = assertThrows(IllegalStateException.class, store::load);
        assertTrue(e.getMessage().contains("format version 4, this build reads 1 to 3"), e.getMessage());
    }
}
