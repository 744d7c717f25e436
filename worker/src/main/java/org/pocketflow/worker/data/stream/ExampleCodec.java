package org.pocketflow.worker.data.stream;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.pocketflow.worker.data.DatasetException;

/**
 * The two features of a {@code tf.train.Example} that image classification needs,
 * {@code image/encoded} (bytes) and {@code image/class/label} (int64), read from and written to
 * the protobuf wire format directly (no protobuf runtime, so nothing clashes with the versions
 * Spark and Hadoop bring). Other features are skipped on reading.
 *
 * <p>Messages, with field numbers: {@code Example{features=1}}, {@code Features{feature=1: map
 * entry{key=1 string, value=2 Feature}}}, {@code Feature{bytes_list=1, float_list=2,
 * int64_list=3}}, {@code BytesList{value=1 repeated bytes}}, {@code Int64List{value=1 repeated
 * int64, packed or not}}.
 */
public final class ExampleCodec {
    /** The encoded image's feature key in the TensorFlow ImageNet layout. */
    public static final String IMAGE = "image/encoded";
    /** The label's feature key in the TensorFlow ImageNet layout. */
    public static final String LABEL = "image/class/label";

    /**
     * One decoded example.
     *
     * @param image the encoded image file (JPEG, PNG)
     * @param label the stored label, as written (1-based in TensorFlow's ImageNet shards)
     */
    public record Labelled(byte[] image, long label) {
    }

    private ExampleCodec() {
    }

    /**
     * @param record a serialized {@code tf.train.Example}
     * @param origin shard and record, for error messages
     * @return its image and label
     */
    public static Labelled decode(byte[] record, String origin) {
        byte[] image = null;
        Long label = null;
        List<String> keys = new ArrayList<>();
        try {
            Wire example = new Wire(record, 0, record.length);
            while (example.more()) {
                int tag = example.tag();
                if (tag != field(1, 2)) {
                    example.skip(tag);
                    continue;
                }
                Wire features = example.message();
                while (features.more()) {
                    int ftag = features.tag();
                    if (ftag != field(1, 2)) {
                        features.skip(ftag);
                        continue;
                    }
                    Wire entry = features.message();
                    String key = null;
                    Wire value = null;
                    while (entry.more()) {
                        int etag = entry.tag();
                        if (etag == field(1, 2)) {
                            key = entry.string();
                        } else if (etag == field(2, 2)) {
                            value = entry.message();
                        } else {
                            entry.skip(etag);
                        }
                    }
                    keys.add(key);
                    if (IMAGE.equals(key) && value != null) {
                        image = firstBytes(value);
                    } else if (LABEL.equals(key) && value != null) {
                        label = firstInt64(value);
                    }
                }
            }
        } catch (IndexOutOfBoundsException e) {
            throw new DatasetException(origin + ": the record is not a well-formed tf.train.Example ("
                    + e.getMessage() + "). Fix: write the shard again, or set pocketflow.data.skip-corrupt=true", e);
        }
        if (image == null || label == null) {
            throw new MissingFeature(origin + ": the tf.train.Example has no " + (image == null ? IMAGE : LABEL)
                    + " feature; its features are " + keys + ". Fix: write shards with " + IMAGE + " (bytes) and "
                    + LABEL + " (int64), the keys of TensorFlow's ImageNet shards");
        }
        return new Labelled(image, label);
    }

    /**
     * @param image the encoded image file
     * @param label the label to store
     * @return a serialized {@code tf.train.Example} with exactly these two features
     */
    public static byte[] encode(byte[] image, long label) {
        ByteArrayOutputStream bytesList = new ByteArrayOutputStream();
        lengthDelimited(bytesList, 1, image);
        ByteArrayOutputStream imageFeature = new ByteArrayOutputStream();
        lengthDelimited(imageFeature, 1, bytesList.toByteArray());
        ByteArrayOutputStream int64List = new ByteArrayOutputStream();
        varint(int64List, field(1, 0));
        varint(int64List, label);
        ByteArrayOutputStream labelFeature = new ByteArrayOutputStream();
        lengthDelimited(labelFeature, 3, int64List.toByteArray());
        ByteArrayOutputStream features = new ByteArrayOutputStream();
        lengthDelimited(features, 1, entry(IMAGE, imageFeature.toByteArray()));
        lengthDelimited(features, 1, entry(LABEL, labelFeature.toByteArray()));
        ByteArrayOutputStream example = new ByteArrayOutputStream();
        lengthDelimited(example, 1, features.toByteArray());
        return example.toByteArray();
    }

    private static byte[] entry(String key, byte[] feature) {
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        lengthDelimited(e, 1, key.getBytes(StandardCharsets.UTF_8));
        lengthDelimited(e, 2, feature);
        return e.toByteArray();
    }

    private static byte[] firstBytes(Wire feature) {
        while (feature.more()) {
            int tag = feature.tag();
            if (tag == field(1, 2)) {
                Wire list = feature.message();
                while (list.more()) {
                    int ltag = list.tag();
                    if (ltag == field(1, 2)) {
                        return list.bytes();
                    }
                    list.skip(ltag);
                }
            } else {
                feature.skip(tag);
            }
        }
        return null;
    }

    private static Long firstInt64(Wire feature) {
        while (feature.more()) {
            int tag = feature.tag();
            if (tag == field(3, 2)) {
                Wire list = feature.message();
                while (list.more()) {
                    int ltag = list.tag();
                    if (ltag == field(1, 0)) {
                        return list.varint();
                    } else if (ltag == field(1, 2)) {
                        Wire packed = list.message();
                        return packed.more() ? packed.varint() : null;
                    }
                    list.skip(ltag);
                }
            } else {
                feature.skip(tag);
            }
        }
        return null;
    }

    private static int field(int number, int wireType) {
        return number << 3 | wireType;
    }

    private static void lengthDelimited(ByteArrayOutputStream out, int number, byte[] data) {
        varint(out, field(number, 2));
        varint(out, data.length);
        out.writeBytes(data);
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** A cursor over one message's bytes; bounds violations surface as IndexOutOfBoundsException. */
    private static final class Wire {
        private final byte[] buf;
        private final int end;
        private int pos;

        Wire(byte[] buf, int from, int end) {
            if (end > buf.length || from > end) {
                throw new IndexOutOfBoundsException("a length runs past the end of the record");
            }
            this.buf = buf;
            this.pos = from;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IndexOutOfBoundsException("a varint runs past the end of its message");
                }
                byte b = buf[pos++];
                result |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return result;
                }
            }
            throw new IndexOutOfBoundsException("a varint is longer than 10 bytes");
        }

        Wire message() {
            int length = (int) varint();
            if (length < 0 || pos + length > end) {
                throw new IndexOutOfBoundsException("a field of " + length + " bytes runs past its message");
            }
            Wire w = new Wire(buf, pos, pos + length);
            pos += length;
            return w;
        }

        byte[] bytes() {
            Wire w = message();
            return java.util.Arrays.copyOfRange(buf, w.pos, w.end);
        }

        String string() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> message();
                case 5 -> advance(4);
                default -> throw new IndexOutOfBoundsException("wire type " + (tag & 7) + " is not supported");
            }
        }

        private void advance(int n) {
            if (pos + n > end) {
                throw new IndexOutOfBoundsException("a fixed-size field runs past its message");
            }
            pos += n;
        }
    }

    /**
     * A well-formed {@code tf.train.Example} without the image or the label feature under the keys
     * read here: every record of such shards lacks it, so it is bad input, not a corrupt record.
     */
    public static final class MissingFeature extends DatasetException {
        MissingFeature(String message) {
            super(message);
        }
    }
}
