package org.pocketflow.worker.data.stream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

import org.pocketflow.worker.data.DatasetException;

/**
 * The TFRecord framing, read and written over any stream (so over Hadoop FS). One record:
 *
 * <table>
 *   <caption>record layout, little-endian</caption>
 *   <tr><th>bytes</th><th>field</th></tr>
 *   <tr><td>8</td><td>length {@code n} of the data, uint64</td></tr>
 *   <tr><td>4</td><td>masked CRC-32C of the 8 length bytes</td></tr>
 *   <tr><td>n</td><td>data (here a serialized {@code tf.train.Example})</td></tr>
 *   <tr><td>4</td><td>masked CRC-32C of the data</td></tr>
 * </table>
 *
 * <p>The mask is TensorFlow's: {@code ((crc >>> 15) | (crc << 17)) + 0xa282ead8}. Both checksums
 * are verified on reading; a file that ends inside a record, or whose checksums do not match, is
 * reported with its name and the record's index.
 */
public final class TfRecords {
    private static final int MASK_DELTA = 0xa282ead8;
    /** Records larger than this are taken as corruption rather than allocated. */
    static final long MAX_RECORD_BYTES = 1L << 30;

    private TfRecords() {
    }

    /** A reader of one file's records; owned by one thread. */
    public static final class Reader implements AutoCloseable {
        private final InputStream in;
        private final String name;
        private final byte[] header = new byte[12];
        private final byte[] footer = new byte[4];
        private int index;

        /**
         * @param in   the file's stream; closed with this reader
         * @param name the file's URI, for error messages
         */
        public Reader(InputStream in, String name) {
            this.in = in;
            this.name = name;
        }

        /** @return the next record's data, or null at the end of the file */
        public byte[] next() throws IOException {
            int first = in.read();
            if (first < 0) {
                return null;
            }
            header[0] = (byte) first;
            readFully(header, 1, 11, "the length header");
            ByteBuffer b = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            long length = b.getLong(0);
            if (b.getInt(8) != masked(header, 0, 8)) {
                throw corrupt("the length's checksum does not match");
            }
            if (length < 0 || length > MAX_RECORD_BYTES) {
                throw corrupt("its length " + length + " is not plausible");
            }
            byte[] data = new byte[(int) length];
            readFully(data, 0, data.length, "the data (" + length + " bytes)");
            readFully(footer, 0, 4, "the data's checksum");
            if (ByteBuffer.wrap(footer).order(ByteOrder.LITTLE_ENDIAN).getInt() != masked(data, 0, data.length)) {
                throw corrupt("the data's checksum does not match");
            }
            index++;
            return data;
        }

        /** @return how many records were read so far */
        public int recordsRead() {
            return index;
        }

        private void readFully(byte[] into, int off, int len, String what) throws IOException {
            int done = 0;
            while (done < len) {
                int n = in.read(into, off + done, len - done);
                if (n < 0) {
                    throw new EOFException(name + ": truncated: the file ends inside record " + index + " (in " + what
                            + "). Fix: write the shard again, or set pocketflow.data.skip-corrupt=true to skip it");
                }
                done += n;
            }
        }

        private DatasetException corrupt(String what) {
            return new DatasetException(name + ": record " + index + " is corrupt: " + what
                    + ". Fix: write the shard again, or set pocketflow.data.skip-corrupt=true to skip it");
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /**
     * Counts a file's records from their length headers, skipping the data (checksums of the
     * lengths are checked, those of the data are not).
     *
     * @param in   the file's stream; the caller closes it
     * @param name the file's URI, for error messages
     * @return the number of records
     */
    public static long count(InputStream in, String name) throws IOException {
        byte[] header = new byte[12];
        long records = 0;
        while (true) {
            int n = in.readNBytes(header, 0, 12);
            if (n == 0) {
                return records;
            }
            ByteBuffer b = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            if (n < 12 || b.getInt(8) != masked(header, 0, 8)) {
                throw new DatasetException(name + ": record " + records + " is corrupt or truncated in its length "
                        + "header. Fix: write the shard again, or set pocketflow.data.skip-corrupt=true to skip it");
            }
            long skip = b.getLong(0) + 4;
            if (skip(in, skip) < skip) {
                throw new EOFException(name + ": truncated: the file ends inside record " + records
                        + ". Fix: write the shard again, or set pocketflow.data.skip-corrupt=true to skip it");
            }
            records++;
        }
    }

    /**
     * Appends one framed record.
     *
     * @param out  the stream
     * @param data the record's data
     */
    public static void write(OutputStream out, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, data.length);
        b.putInt(8, masked(b.array(), 0, 8));
        out.write(b.array());
        out.write(data);
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, masked(data, 0, data.length)).array());
    }

    private static long skip(InputStream in, long n) throws IOException {
        long done = 0;
        while (done < n) {
            long k = in.skip(n - done);
            if (k <= 0) {
                if (in.read() < 0) {
                    return done;
                }
                k = 1;
            }
            done += k;
        }
        return done;
    }

    static int masked(byte[] bytes, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, off, len);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + MASK_DELTA;
    }
}
