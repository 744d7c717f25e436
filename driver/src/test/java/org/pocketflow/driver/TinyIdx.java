package org.pocketflow.driver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.IdxReader;

/** A small, sound four-file IDX dataset (28x28, gzip-compressed) for tests of the driver's checks. */
final class TinyIdx {
    private TinyIdx() {
    }

    /** Writes 64 training and 16 test images into {@code folder}; returns it. */
    static Path write(Path folder) {
        try {
            Files.createDirectories(folder);
            Files.write(folder.resolve(IdxDataset.TRAIN_IMAGES + ".gz"), gzip(images(64)));
            Files.write(folder.resolve(IdxDataset.TRAIN_LABELS + ".gz"), gzip(labels(64)));
            Files.write(folder.resolve(IdxDataset.TEST_IMAGES + ".gz"), gzip(images(16)));
            Files.write(folder.resolve(IdxDataset.TEST_LABELS + ".gz"), gzip(labels(16)));
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] images(int count) {
        ByteBuffer b = ByteBuffer.allocate(16 + count * 784);
        b.putInt(IdxReader.IMAGES_MAGIC).putInt(count).putInt(28).putInt(28);
        for (int i = 0; i < count * 784; i++) {
            b.put((byte) (i * 31));
        }
        return b.array();
    }

    static byte[] labels(int count) {
        ByteBuffer b = ByteBuffer.allocate(8 + count);
        b.putInt(IdxReader.LABELS_MAGIC).putInt(count);
        for (int i = 0; i < count; i++) {
            b.put((byte) (i % 10));
        }
        return b.array();
    }

    static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
