package org.pocketflow.worker.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.pocketflow.worker.io.HadoopConf;

/**
 * Reads the IDX format of LeCun's MNIST (also used by Fashion-MNIST): a big-endian header of
 * a magic number {@code 0x000008NN} (unsigned bytes, NN dimensions) and NN dimension sizes,
 * then the values. Images are {@code 0x00000803} with dimensions count, rows, columns;
 * labels are {@code 0x00000801} with one dimension, count. A file is gzip-compressed when it
 * starts with the gzip magic {@code 1f 8b}, whatever its name.
 *
 * <p>Every problem (wrong magic, truncated header or data, a corrupt gzip stream, image and
 * label counts that differ, a label outside the classes, an empty file) is a
 * {@link DatasetException} whose one-line message names the file. A truncated gzip stream
 * ends in an error, never in a wait for more input.
 *
 * <p>A header is never trusted for allocation: the counts it declares are checked against the
 * file's length (raw files) before any buffer is made, and a gzip stream is read into a buffer
 * that grows with the bytes actually decompressed, so a damaged 78 KB file that claims millions
 * of images fails with "truncated", not with an out-of-memory error. {@link #check} runs the
 * same header checks, and decompresses gzip streams to their end without keeping the bytes, so
 * a driver can refuse bad files before any work starts.
 */
public final class IdxReader {
    /** Magic number of an IDX file of unsigned-byte images (3 dimensions). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned-byte labels (1 dimension). */
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int BUFFER = 1 << 16;

    private IdxReader() {
    }

    /**
     * Reads an images file and its labels file into one set.
     *
     * @param imagesUri URI or local path of the {@code idx3} images file, raw or gzip
     * @param labelsUri URI or local path of the {@code idx1} labels file, raw or gzip
     * @param classes   number of classes; every label must lie in {@code [0, classes)}
     * @param limit     read only the first {@code limit} images; 0 reads all
     * @return the images (1 channel) and their labels
     */
    public static ImageSet read(String imagesUri, String labelsUri, int classes, int limit) {
        Configuration conf = HadoopConf.get();
        return read(HadoopFile.resolve(imagesUri, conf), HadoopFile.resolve(labelsUri, conf), classes, limit, null);
    }

    /**
     * Checks an images file and its labels file without loading them: magic numbers, the
     * declared counts against the bytes really there (for gzip, after decompressing the whole
     * stream, which also checks its CRC-32), and the two counts against each other.
     *
     * @throws DatasetException naming the file and the fault
     */
    public static void check(String imagesUri, String labelsUri) {
        Configuration conf = HadoopConf.get();
        HadoopFile images = HadoopFile.resolve(imagesUri, conf);
        HadoopFile labels = HadoopFile.resolve(labelsUri, conf);
        long imageCount = checkFile(images, IMAGES_MAGIC, "uint8 images, 3 dimensions", 3);
        long labelCount = checkFile(labels, LABELS_MAGIC, "uint8 labels, 1 dimension", 1);
        if (imageCount != labelCount) {
            throw new DatasetException(labels + " holds " + labelCount + " labels but " + images + " holds "
                    + imageCount + " images; both files must come from the same release");
        }
    }

    /** Checks one file's header against its length; returns the declared count. */
    private static long checkFile(HadoopFile file, int magic, String what, int dimensions) {
        try (Source source = Source.open(file, null)) {
            source.expectMagic(magic, what);
            long count = source.readDimension(dimensions == 3 ? "image count" : "label count", 1);
            long itemBytes = 1;
            for (int d = 1; d < dimensions; d++) {
                itemBytes *= source.readDimension(d == 1 ? "rows" : "columns", 1);
            }
            String data = dimensions == 3 ? "pixel data" : "label data";
            source.requireData(count, itemBytes, data);
            if (source.gzip) {
                long found = source.skipToEnd();
                if (found < count * itemBytes) {
                    throw source.truncated(count, itemBytes, found, data);
                }
            }
            return count;
        } catch (FileNotFoundException e) {
            throw new DatasetException(file + ": no such file; check the path", e);
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read: " + describe(e), e);
        }
    }

    /**
     * As {@link #read(String, String, int, int)}, also feeding every raw byte of the images
     * file and then of the labels file, whole files even under a limit, to {@code digest}.
     */
    static ImageSet read(HadoopFile images, HadoopFile labels, int classes, int limit, MessageDigest digest) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0 (0 reads all), but got " + limit);
        }
        if (classes < 1 || classes > 256) {
            throw new IllegalArgumentException("classes must be in [1, 256], but got " + classes);
        }
        ImageData imageData = readImages(images, limit, digest);
        byte[] labelData = readLabels(labels, images, imageData, digest);
        for (int i = 0; i < labelData.length; i++) {
            int label = labelData[i] & 0xFF;
            if (label >= classes) {
                throw new DatasetException(labels + ": label " + label + " of image " + i + " is outside [0, "
                        + classes + "); is this the labels file of a dataset with more classes?");
            }
        }
        return ImageSet.wrap(new ImageShape(1, imageData.rows, imageData.cols), classes, imageData.pixels, labelData);
    }

    /** Pixels of the first images read, and the count the header declared. */
    private record ImageData(int declaredCount, int rows, int cols, byte[] pixels) {
    }

    private static ImageData readImages(HadoopFile file, int limit, MessageDigest digest) {
        try (Source source = Source.open(file, digest)) {
            source.expectMagic(IMAGES_MAGIC, "uint8 images, 3 dimensions");
            int count = source.readDimension("image count", 0);
            int rows = source.readDimension("rows", 1);
            int cols = source.readDimension("columns", 1);
            if (count == 0) {
                throw new DatasetException(file + ": empty file: the header declares 0 images");
            }
            source.requireData(count, (long) rows * cols, "pixel data");
            if ((long) count * rows * cols > Integer.MAX_VALUE - 8) {
                throw new DatasetException(file + ": header declares " + count + " images of " + rows + "x" + cols
                        + ", more than one array can hold; split the file into shards");
            }
            int n = limit == 0 ? count : Math.min(limit, count);
            byte[] pixels = source.readData(n * rows * cols, "pixel data");
            source.finish(n == count);
            return new ImageData(count, rows, cols, pixels);
        } catch (FileNotFoundException e) {
            throw new DatasetException(file + ": no such file; check the path", e);
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read: " + describe(e), e);
        }
    }

    /**
     * The classes that labels files hold: their largest label plus one, over every label of every
     * file (not only the first images a limit keeps), so that a data set's class count does not
     * depend on how much of it a job reads. Fashion-MNIST gives 10, EMNIST Balanced 47.
     *
     * @throws DatasetException naming the file and the fault
     */
    static int classes(HadoopFile... labelFiles) {
        int max = 0;
        for (HadoopFile file : labelFiles) {
            try (Source source = Source.open(file, null)) {
                source.expectMagic(LABELS_MAGIC, "uint8 labels, 1 dimension");
                int count = source.readDimension("label count", 0);
                source.requireData(count, 1, "label data");
                for (byte label : source.readData(count, "label data")) {
                    max = Math.max(max, label & 0xFF);
                }
            } catch (IOException e) {
                throw new DatasetException(file + ": cannot read: " + describe(e), e);
            }
        }
        return max + 1;
    }

    private static byte[] readLabels(HadoopFile file, HadoopFile imagesFile, ImageData images, MessageDigest digest) {
        try (Source source = Source.open(file, digest)) {
            source.expectMagic(LABELS_MAGIC, "uint8 labels, 1 dimension");
            int count = source.readDimension("label count", 0);
            if (count == 0) {
                throw new DatasetException(file + ": empty file: the header declares 0 labels");
            }
            source.requireData(count, 1, "label data");
            if (count != images.declaredCount) {
                throw new DatasetException(file + " holds " + count + " labels but " + imagesFile + " holds "
                        + images.declaredCount + " images; both files must come from the same release");
            }
            int n = images.pixels.length / (images.rows * images.cols);
            byte[] labels = source.readData(n, "label data");
            source.finish(n == count);
            return labels;
        } catch (FileNotFoundException e) {
            throw new DatasetException(file + ": no such file; check the path", e);
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read: " + describe(e), e);
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** One open IDX file: raw bytes (through the digest) and the decoded stream over them. */
    private static final class Source implements AutoCloseable {
        private final HadoopFile file;
        private final InputStream raw;
        private final BufferedInputStream buffered;
        private final InputStream decoded;
        private final boolean gzip;
        private long headerBytes;

        private Source(HadoopFile file, InputStream raw, BufferedInputStream buffered, InputStream decoded,
                boolean gzip) {
            this.file = file;
            this.raw = raw;
            this.buffered = buffered;
            this.decoded = decoded;
            this.gzip = gzip;
        }

        static Source open(HadoopFile file, MessageDigest digest) throws IOException {
            InputStream raw = file.open();
            try {
                InputStream hashed = digest == null ? raw : new DigestInputStream(raw, digest);
                BufferedInputStream buffered = new BufferedInputStream(hashed, BUFFER);
                buffered.mark(2);
                int b0 = buffered.read();
                int b1 = buffered.read();
                buffered.reset();
                if (b0 < 0) {
                    throw new DatasetException(file + ": empty file (0 bytes); re-download or re-install it");
                }
                boolean gzip = b0 == 0x1f && b1 == 0x8b;
                InputStream decoded = buffered;
                if (gzip) {
                    try {
                        decoded = new GZIPInputStream(buffered, BUFFER);
                    } catch (EOFException | ZipException e) {
                        throw new DatasetException(file + ": truncated or corrupt gzip header (" + describe(e)
                                + "); re-download or re-install the file");
                    }
                }
                return new Source(file, raw, buffered, decoded, gzip);
            } catch (IOException | RuntimeException e) {
                raw.close();
                throw e;
            }
        }

        void expectMagic(int expected, String what) throws IOException {
            int found = readInt("magic number");
            if (found != expected) {
                String hint = found == IMAGES_MAGIC ? " (an IDX images file; are the file names swapped?)"
                        : found == LABELS_MAGIC ? " (an IDX labels file; are the file names swapped?)"
                        : " (not an IDX file of this kind)";
                throw new DatasetException(String.format("%s: wrong magic number: expected 0x%08x (IDX %s), found 0x%08x%s",
                        file, expected, what, found, hint));
            }
        }

        int readDimension(String what, int min) throws IOException {
            int value = readInt(what);
            if (value < min) {
                throw new DatasetException(file + ": header declares " + what + " = " + value + "; the file is corrupt");
            }
            return value;
        }

        private int readInt(String what) throws IOException {
            byte[] b = new byte[4];
            int got = readFully(b, 0, 4);
            if (got < 4) {
                long found = headerBytes + got;
                if (found == 0) {
                    throw new DatasetException(file + ": empty file: no data" + (gzip ? " after gzip decompression" : ""));
                }
                throw new DatasetException(file + ": truncated header: ended after " + found + " bytes while reading the "
                        + what + "; re-download or re-install the file");
            }
            headerBytes += 4;
            return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
        }

        /**
         * Refuses a raw file shorter than {@code count} items of {@code itemBytes} after the
         * header (a gzip file's decompressed length is known only by reading it).
         */
        void requireData(long count, long itemBytes, String what) throws IOException {
            if (!gzip && file.length() < headerBytes + count * itemBytes) {
                throw truncated(count, itemBytes, file.length() - headerBytes, what);
            }
        }

        DatasetException truncated(long count, long itemBytes, long found, String what) {
            return new DatasetException(String.format("%s: truncated: the header declares %,d items of %,d bytes, "
                    + "so expected %d bytes of %s, found %d%s; re-download or re-install the file", file, count,
                    itemBytes, count * itemBytes, what, found, gzip ? " after decompression" : ""));
        }

        /** Decompresses the rest of the stream, keeping nothing; returns the data bytes after the header. */
        long skipToEnd() throws IOException {
            byte[] sink = new byte[BUFFER];
            long total = 0;
            for (int n = readFully(sink, 0, BUFFER); n > 0; n = readFully(sink, 0, BUFFER)) {
                total += n;
            }
            return total;
        }

        /** Reads {@code length} bytes into a buffer that grows with what arrives, never sized from the header alone. */
        byte[] readData(int length, String what) throws IOException {
            byte[] data = new byte[Math.min(length, BUFFER * 16)];
            int got = 0;
            while (got < length) {
                if (got == data.length) {
                    data = java.util.Arrays.copyOf(data, (int) Math.min(length, 2L * data.length));
                }
                int n = readFully(data, got, data.length - got);
                got += n;
                if (got < data.length) {
                    break;
                }
            }
            if (got < length) {
                throw new DatasetException(file + ": truncated: expected " + length + " bytes of " + what + ", found "
                        + got + (gzip ? " (the gzip stream ends early)" : "") + "; re-download or re-install the file");
            }
            return data;
        }

        /** Reads until {@code length} bytes or the end; a gzip stream cut short counts as the end. */
        private int readFully(byte[] into, int offset, int length) throws IOException {
            int total = 0;
            try {
                while (total < length) {
                    int n = decoded.read(into, offset + total, length - total);
                    if (n < 0) {
                        break;
                    }
                    total += n;
                }
            } catch (EOFException e) {
                return total; // GZIPInputStream: "Unexpected end of ZLIB input stream"
            } catch (ZipException e) {
                throw new DatasetException(file + ": corrupt gzip stream after " + (headerBytes + total)
                        + " decompressed bytes (" + describe(e) + "); re-download or re-install the file");
            }
            return total;
        }

        /**
         * Reads the rest of the file so that the digest covers all of it. When all the data was
         * wanted, a gzip stream is also decompressed to its end, which checks its CRC-32; under a
         * limit the rest is only hashed, not decompressed.
         */
        void finish(boolean verify) throws IOException {
            byte[] sink = new byte[BUFFER];
            if (verify && gzip) {
                try {
                    while (decoded.read(sink) >= 0) {
                        // trailing bytes after the declared data are ignored
                    }
                } catch (EOFException | ZipException e) {
                    throw new DatasetException(file + ": corrupt gzip stream (" + describe(e)
                            + "); re-download or re-install the file");
                }
            }
            while (buffered.read(sink) >= 0) {
                // only the digest needs these bytes
            }
        }

        @Override
        public void close() throws IOException {
            raw.close();
        }
    }
}
