package org.pocketflow.worker.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    private static final int N = 25;
    private static final int ROWS = 4;
    private static final int COLS = 3;
    private static final byte[] PIXELS = IdxFiles.randomPixels(N * ROWS * COLS, 7);
    private static final byte[] LABELS = IdxFiles.cyclicLabels(N, 10);
    private static final byte[] IMAGES_IDX = IdxFiles.images(N, ROWS, COLS, PIXELS);
    private static final byte[] LABELS_IDX = IdxFiles.labels(LABELS);

    @TempDir
    Path dir;

    private ImageSet read(Path images, Path labels, int limit) {
        return IdxReader.read(images.toString(), labels.toString(), 10, limit);
    }

    /** Runs {@code read} under a time limit so that a hang fails, and returns its error. */
    private DatasetException readFails(Path images, Path labels) {
        return assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(DatasetException.class, () -> read(images, labels, 0)));
    }

    @Test
    void readsRawFilesBackExactly() {
        ImageSet set = read(IdxFiles.write(dir, "i", IMAGES_IDX), IdxFiles.write(dir, "l", LABELS_IDX), 0);
        assertEquals(N, set.size());
        assertEquals(new ImageShape(1, ROWS, COLS), set.shape());
        assertEquals(ImageSet.of(set.shape(), 10, PIXELS, LABELS), set);
    }

    @Test
    void readsGzipFilesBackExactly() {
        ImageSet set = read(IdxFiles.write(dir, "i.gz", IdxFiles.gzip(IMAGES_IDX)),
                IdxFiles.write(dir, "l.gz", IdxFiles.gzip(LABELS_IDX)), 0);
        assertEquals(ImageSet.of(new ImageShape(1, ROWS, COLS), 10, PIXELS, LABELS), set);
    }

    @Test
    void detectsGzipByContentNotByName() {
        ImageSet set = read(IdxFiles.write(dir, "images-no-suffix", IdxFiles.gzip(IMAGES_IDX)),
                IdxFiles.write(dir, "labels.gz-but-raw", LABELS_IDX), 0);
        assertEquals(N, set.size());
        assertArrayEquals(java.util.Arrays.copyOf(PIXELS, ROWS * COLS), set.image(0));
    }

    @Test
    void readsOnlyTheFirstImagesUnderALimit() {
        ImageSet set = read(IdxFiles.write(dir, "i.gz", IdxFiles.gzip(IMAGES_IDX)), IdxFiles.write(dir, "l", LABELS_IDX), 6);
        assertEquals(6, set.size());
        assertEquals(ImageSet.of(new ImageShape(1, ROWS, COLS), 10, PIXELS, LABELS).limit(6), set);
    }

    @Test
    void acceptsAFileUriAsWellAsAPath() {
        Path images = IdxFiles.write(dir, "i", IMAGES_IDX);
        Path labels = IdxFiles.write(dir, "l", LABELS_IDX);
        ImageSet set = IdxReader.read(images.toUri().toString(), labels.toUri().toString(), 10, 0);
        assertEquals(N, set.size());
    }

    @Test
    void rejectsTruncatedRawPixelDataNamingTheFile() {
        Path images = IdxFiles.write(dir, "cut-images", IdxFiles.truncate(IMAGES_IDX, IMAGES_IDX.length - 5));
        DatasetException e = readFails(images, IdxFiles.write(dir, "l", LABELS_IDX));
        assertTrue(e.getMessage().contains("cut-images"), e.getMessage());
        assertTrue(e.getMessage().contains("expected " + PIXELS.length + " bytes of pixel data, found "
                + (PIXELS.length - 5)), e.getMessage());
    }

    @Test
    void rejectsTruncatedGzipWithoutHanging() {
        byte[] gz = IdxFiles.gzip(IdxFiles.images(N, ROWS, COLS, PIXELS));
        Path images = IdxFiles.write(dir, "cut-images.gz", IdxFiles.truncate(gz, gz.length / 2));
        DatasetException e = readFails(images, IdxFiles.write(dir, "l", LABELS_IDX));
        assertTrue(e.getMessage().contains("cut-images.gz"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void rejectsGzipWhoseChecksumFails() {
        byte[] gz = IdxFiles.gzip(IMAGES_IDX);
        gz[gz.length / 2] ^= 0x40; // random pixels are stored, so only the CRC-32 notices
        Path images = IdxFiles.write(dir, "flipped.gz", gz);
        DatasetException e = readFails(images, IdxFiles.write(dir, "l", LABELS_IDX));
        assertTrue(e.getMessage().contains("flipped.gz: corrupt gzip stream"), e.getMessage());
    }

    @Test
    void rejectsCorruptDeflateData() {
        byte[] gz = IdxFiles.gzip(IdxFiles.images(N, ROWS, COLS, new byte[PIXELS.length]));
        for (int i = 12; i < gz.length - 8; i++) {
            gz[i] = (byte) 0xFF;
        }
        Path images = IdxFiles.write(dir, "garbled.gz", gz);
        DatasetException e = readFails(images, IdxFiles.write(dir, "l", LABELS_IDX));
        assertTrue(e.getMessage().contains("garbled.gz"), e.getMessage());
    }

    @Test
    void rejectsGzipCutInsideItsHeader() {
        Path images = IdxFiles.write(dir, "stub.gz", IdxFiles.truncate(IdxFiles.gzip(IMAGES_IDX), 5));
        DatasetException e = readFails(images, IdxFiles.write(dir, "l", LABELS_IDX));
        assertTrue(e.getMessage().contains("stub.gz"), e.getMessage());
    }

    @Test
    void rejectsTruncatedHeader() {
        Path images = IdxFiles.write(dir, "short-header", IdxFiles.truncate(IMAGES_IDX, 10));
        DatasetException e = readFails(images, IdxFiles.write(dir, "l", LABELS_IDX));
        assertTrue(e.getMessage().contains("short-header: truncated header"), e.getMessage());
    }

    @Test
    void rejectsWrongMagicSayingExpectedAndFound() {
        Path swappedImages = IdxFiles.write(dir, "labels-as-images", LABELS_IDX);
        DatasetException e = readFails(swappedImages, IdxFiles.write(dir, "l", LABELS_IDX));
        assertTrue(e.getMessage().contains("labels-as-images"), e.getMessage());
        assertTrue(e.getMessage().contains("expected 0x00000803"), e.getMessage());
        assertTrue(e.getMessage().contains("found 0x00000801"), e.getMessage());
    }

    @Test
    void rejectsImageAndLabelCountMismatch() {
        Path labels = IdxFiles.write(dir, "too-few-labels", IdxFiles.labels(IdxFiles.cyclicLabels(N - 1, 10)));
        DatasetException e = readFails(IdxFiles.write(dir, "i", IMAGES_IDX), labels);
        assertTrue(e.getMessage().contains("too-few-labels"), e.getMessage());
        assertTrue(e.getMessage().contains((N - 1) + " labels") && e.getMessage().contains(N + " images"), e.getMessage());
    }

    @Test
    void rejectsLabelOutsideTheClasses() {
        byte[] labels = LABELS.clone();
        labels[3] = 10;
        DatasetException e = readFails(IdxFiles.write(dir, "i", IMAGES_IDX), IdxFiles.write(dir, "bad-labels", IdxFiles.labels(labels)));
        assertTrue(e.getMessage().contains("bad-labels: label 10 of image 3 is outside [0, 10)"), e.getMessage());
    }

    @Test
    void rejectsEmptyFile() {
        Path images = IdxFiles.write(dir, "empty-images", new byte[0]);
        DatasetException e = readFails(images, IdxFiles.write(dir, "l", LABELS_IDX));
        assertTrue(e.getMessage().contains("empty-images: empty file"), e.getMessage());
    }

    @Test
    void rejectsMissingFileNamingIt() {
        DatasetException e = readFails(dir.resolve("no-such-images"), IdxFiles.write(dir, "l", LABELS_IDX));
        assertTrue(e.getMessage().contains("no-such-images"), e.getMessage());
    }
}
