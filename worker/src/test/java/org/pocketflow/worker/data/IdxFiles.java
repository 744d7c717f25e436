package org.pocketflow.worker.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for tests, raw or gzip-compressed. */
public final class IdxFiles {
    private IdxFiles() {
    }

    /** IDX bytes of {@code count} images of rows x cols. */
    public static byte[] images(int count, int rows, int cols, byte[] pixels) {
        ByteBuffer b = ByteBuffer.allocate(16 + pixels.length);
        b.putInt(IdxReader.IMAGES_MAGIC).putInt(count).putInt(rows).putInt(cols).put(pixels);
        return b.array();
    }

    /** IDX bytes of labels. */
    public static byte[] labels(byte[] labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(IdxReader.LABELS_MAGIC).putInt(labels.length).put(labels);
        return b.array();
    }

    public static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] truncate(byte[] bytes, int length) {
        return Arrays.copyOf(bytes, length);
    }

    static Path write(Path folder, String name, byte[] bytes) {
        try {
            return Files.write(Files.createDirectories(folder).resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Seeded random pixels, full uint8 range. */
    static byte[] randomPixels(int length, long seed) {
        byte[] pixels = new byte[length];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            pixels[i] = (byte) rng.nextInt(256);
        }
        return pixels;
    }

    /** Labels 0, 1, ..., classes-1, 0, 1, ... */
    static byte[] cyclicLabels(int count, int classes) {
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) (i % classes);
        }
        return labels;
    }

    /**
     * Writes a complete four-file dataset of small random images to {@code folder}: training
     * files gzip-compressed, test files raw, so one folder exercises both. Returns {@code folder}.
     */
    public static Path writeDataset(Path folder, int trainCount, int testCount, int rows, int cols) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        write(folder, IdxDataset.TRAIN_IMAGES + ".gz",
                gzip(images(trainCount, rows, cols, randomPixels(trainCount * rows * cols, 1))));
        write(folder, IdxDataset.TRAIN_LABELS + ".gz", gzip(labels(cyclicLabels(trainCount, IdxDataset.CLASSES))));
        write(folder, IdxDataset.TEST_IMAGES, images(testCount, rows, cols, randomPixels(testCount * rows * cols, 2)));
        write(folder, IdxDataset.TEST_LABELS, labels(cyclicLabels(testCount, IdxDataset.CLASSES)));
        return folder;
    }
}
