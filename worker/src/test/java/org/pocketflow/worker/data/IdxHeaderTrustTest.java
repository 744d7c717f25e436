package org.pocketflow.worker.data;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Headers are checked against the bytes really there, never trusted to size a buffer. */
class IdxHeaderTrustTest {
    @TempDir
    Path dir;

    /** A 78 KB images file whose header claims 2.7M images of 28x28 (2.1 GB). */
    private byte[] lyingImages() {
        byte[] pixels = IdxFiles.randomPixels(100 * 28 * 28, 3);
        return ByteBuffer.allocate(16 + pixels.length).putInt(IdxReader.IMAGES_MAGIC).putInt(2_700_000)
                .putInt(28).putInt(28).put(pixels).array();
    }

    private Path labels(int count) {
        return IdxFiles.write(dir, "labels", IdxFiles.labels(IdxFiles.cyclicLabels(count, 10)));
    }

    private static long allocatedDuring(Runnable r) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        r.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void aLyingRawHeaderIsRefusedAsTruncatedWithoutAllocatingWhatItClaims() {
        Path images = IdxFiles.write(dir, "images", lyingImages());
        long allocated = allocatedDuring(() -> {
            var e = assertThrows(DatasetException.class, () -> IdxReader.read(images.toString(), labels(100).toString(), 10, 0));
            assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("2,700,000"), e.getMessage());
        });
        assertTrue(allocated < 64L << 20, "allocated " + allocated + " bytes for a 78 KB file");
    }

    @Test
    void aLyingGzipHeaderIsReadIntoAGrowingBufferAndRefusedAsTruncated() {
        Path images = IdxFiles.write(dir, "images.gz", IdxFiles.gzip(lyingImages()));
        long allocated = allocatedDuring(() -> {
            var e = assertThrows(DatasetException.class, () -> IdxReader.read(images.toString(), labels(100).toString(), 10, 0));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        });
        assertTrue(allocated < 64L << 20, "allocated " + allocated + " bytes for a 78 KB file");
    }

    @Test
    void aCountOfIntMaxOnASmallFileIsCalledTruncatedNotTooLargeForOneArray() {
        byte[] bytes = ByteBuffer.allocate(16 + 64).putInt(IdxReader.IMAGES_MAGIC).putInt(Integer.MAX_VALUE)
                .putInt(28).putInt(28).array();
        Path images = IdxFiles.write(dir, "images", bytes);
        var e = assertThrows(DatasetException.class, () -> IdxReader.read(images.toString(), labels(10).toString(), 10, 0));
        assertTrue(e.getMessage().contains("truncated") && !e.getMessage().contains("shards"), e.getMessage());
    }

    @Test
    void checkAcceptsSoundFilesRawAndGzip() {
        byte[] pixels = IdxFiles.randomPixels(30 * 4 * 3, 1);
        Path raw = IdxFiles.write(dir, "images", IdxFiles.images(30, 4, 3, pixels));
        Path gz = IdxFiles.write(dir, "images.gz", IdxFiles.gzip(IdxFiles.images(30, 4, 3, pixels)));
        assertDoesNotThrow(() -> IdxReader.check(raw.toString(), labels(30).toString()));
        assertDoesNotThrow(() -> IdxReader.check(gz.toString(), labels(30).toString()));
    }

    @Test
    void checkRefusesTruncatedCorruptAndMismatchedFilesNamingTheFile() {
        byte[] whole = IdxFiles.images(30, 4, 3, IdxFiles.randomPixels(30 * 4 * 3, 1));
        byte[] gz = IdxFiles.gzip(whole);
        Path cutRaw = IdxFiles.write(dir, "cut", IdxFiles.truncate(whole, whole.length - 5));
        Path cutGz = IdxFiles.write(dir, "cut.gz", IdxFiles.truncate(gz, gz.length - 12));
        byte[] damaged = gz.clone();
        damaged[damaged.length - 6] ^= 0x5a; // in the CRC-32 / length trailer
        Path corruptGz = IdxFiles.write(dir, "corrupt.gz", damaged);
        Path good = IdxFiles.write(dir, "good", whole);
        for (Path bad : new Path[] {cutRaw, cutGz, corruptGz}) {
            var e = assertThrows(DatasetException.class, () -> IdxReader.check(bad.toString(), labels(30).toString()));
            assertTrue(e.getMessage().contains(bad.getFileName().toString()), e.getMessage());
        }
        var e = assertThrows(DatasetException.class, () -> IdxReader.check(good.toString(), labels(29).toString()));
        assertTrue(e.getMessage().contains("29 labels"), e.getMessage());
    }
}
