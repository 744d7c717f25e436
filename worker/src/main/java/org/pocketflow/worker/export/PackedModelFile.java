package org.pocketflow.worker.export;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.pocketflow.worker.io.AtomicFile;
import org.pocketflow.worker.io.HadoopConf;

/**
 * The packed model file ({@code model.pfpk}), versions 2 and 3, big-endian:
 * <pre>
 *   magic "PFPK" | u16 version
 *   | provenance section:    i32 n + n (modified-UTF-8 key, value) pairs
 *   | configuration section: the DL4J configuration JSON, UTF-8
 *   | tensor section:        i32 tensor count | per tensor: modified-UTF-8 key, {@link TensorEncoding#write encoding}
 *   | i32 CRC32C of everything before it
 * </pre>
 * Each section is {@code u8 coding | i32 raw length | i32 stored length | bytes}, deflated only
 * where that makes it smaller ({@link Sections}), the configuration with a preset dictionary of
 * DL4J configuration JSON ({@link ConfigurationDictionary}); dense values are written as byte
 * planes and each sparse tensor picks the smaller of its position codings. So the file stays below the DL4J zip of the same weights, whose deflate
 * shrinks the zeros of sparse and the repeated values of quantized tensors.
 *
 * <p>Version 3 is version 2 plus one tensor encoding, {@link ChannelCodebookTensor}; a file is
 * written at the lowest version that holds its tensors, so files without that encoding stay
 * version 2 and readable by builds that know only version 2.
 *
 * <p>Version 1 files (provenance stored, configuration always deflated, tensors stored) are
 * still read. A truncated, corrupted or foreign file is rejected with a message saying what is
 * wrong; nothing is half-loaded. Files live on any Hadoop FileSystem URI.
 */
public final class PackedModelFile {
    /** The newest format version this code writes (and reads). */
    public static final int VERSION = 3;
    /** The version of files whose tensors need nothing newer. */
    private static final int VERSION_WITHOUT_SCALED_CODEBOOKS = 2;
    /** The oldest format version this code still reads. */
    public static final int OLDEST_READABLE = 1;
    private static final byte[] MAGIC = "PFPK".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_JSON = 64 << 20;
    private static final int MAX_SECTION = Integer.MAX_VALUE - 64;
    private static final long MAX_ELEMENTS = 1L << 31;

    private PackedModelFile() {
    }

    /** The file's bytes. */
    public static byte[] toBytes(PackedModel model) {
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buf);
            out.write(MAGIC);
            out.writeShort(versionFor(model));
            Sections.write(out, provenanceBytes(model.provenance()), null);
            Sections.write(out, model.configJson().getBytes(StandardCharsets.UTF_8), ConfigurationDictionary.bytes());
            Sections.write(out, tensorBytes(model.tensors()), null);
            out.flush();
            CRC32C crc = new CRC32C();
            crc.update(buf.toByteArray());
            out.writeInt((int) crc.getValue());
            out.flush();
            return buf.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a packed model file's bytes; {@code source} names it in error messages. */
    public static PackedModel fromBytes(byte[] bytes, String source) {
        try {
            if (bytes.length < 10) {
                throw new IOException("only " + bytes.length + " bytes");
            }
            for (int i = 0; i < MAGIC.length; i++) {
                if (bytes[i] != MAGIC[i]) {
                    throw new IOException("it does not start with PFPK; is it a DL4J zip (load it with ModelFiles)?");
                }
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, bytes.length - 4);
            int stored = java.nio.ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
            if ((int) crc.getValue() != stored) {
                throw new IOException("checksum mismatch (truncated or corrupted)");
            }
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 4, bytes.length - 8));
            int version = in.readUnsignedShort();
            PackedModel model = switch (version) {
                case 1 -> readVersion1(in);
                case 2, 3 -> readVersion2(in);
                default -> throw new IOException("format version " + version + "; this build reads versions "
                        + OLDEST_READABLE + " to " + VERSION + (version > VERSION ? " (written by a newer build)" : ""));
            };
            if (in.available() != 0) {
                throw new IOException(in.available() + " unexpected bytes after the tensors");
            }
            return model;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("packed model " + source + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** The lowest version that holds every tensor encoding of {@code model}. */
    static int versionFor(PackedModel model) {
        return model.tensors().values().stream().anyMatch(t -> t instanceof ChannelCodebookTensor)
                ? VERSION : VERSION_WITHOUT_SCALED_CODEBOOKS;
    }

    /** Reads versions 2 and 3, which differ only in the tensor encodings they may hold. */
    private static PackedModel readVersion2(DataInputStream in) throws IOException {
        Map<String, String> prov = readProvenance(stream(Sections.read(in, "provenance", MAX_JSON, null)));
        String conf = new String(Sections.read(in, "configuration", MAX_JSON, ConfigurationDictionary.bytes()),
                StandardCharsets.UTF_8);
        DataInputStream tensorSection = stream(Sections.read(in, "tensor", MAX_SECTION, null));
        Map<String, TensorEncoding> tensors = readTensors(tensorSection);
        if (tensorSection.available() != 0) {
            throw new IOException(tensorSection.available() + " unexpected bytes after the tensors in their section");
        }
        return new PackedModel(conf, tensors, prov);
    }

    private static PackedModel readVersion1(DataInputStream in) throws IOException {
        Map<String, String> prov = readProvenance(in);
        int rawLength = in.readInt();
        if (rawLength < 0 || rawLength > MAX_JSON) {
            throw new IOException("configuration of " + rawLength + " bytes out of range");
        }
        String conf = new String(Sections.inflate(readBlock(in), rawLength, "configuration", null), StandardCharsets.UTF_8);
        return new PackedModel(conf, readTensors(in), prov);
    }

    private static byte[] provenanceBytes(Map<String, String> provenance) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(buf);
        out.writeInt(provenance.size());
        for (Map.Entry<String, String> e : provenance.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
        out.flush();
        return buf.toByteArray();
    }

    private static byte[] tensorBytes(Map<String, TensorEncoding> tensors) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(buf);
        out.writeInt(tensors.size());
        for (Map.Entry<String, TensorEncoding> e : tensors.entrySet()) {
            out.writeUTF(e.getKey());
            e.getValue().write(out);
        }
        out.flush();
        return buf.toByteArray();
    }

    private static Map<String, String> readProvenance(DataInputStream in) throws IOException {
        int pairs = in.readInt();
        if (pairs < 0 || pairs > 1 << 16) {
            throw new IOException("provenance of " + pairs + " entries out of range");
        }
        Map<String, String> prov = new LinkedHashMap<>();
        for (int i = 0; i < pairs; i++) {
            prov.put(in.readUTF(), in.readUTF());
        }
        return prov;
    }

    private static Map<String, TensorEncoding> readTensors(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > 1 << 20) {
            throw new IOException("tensor count " + count + " out of range");
        }
        Map<String, TensorEncoding> tensors = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            tensors.put(in.readUTF(), TensorEncoding.read(in, MAX_ELEMENTS));
        }
        return tensors;
    }

    private static DataInputStream stream(byte[] section) {
        return new DataInputStream(new ByteArrayInputStream(section));
    }

    /**
     * Writes {@code model} to {@code uri} (any Hadoop FS), replacing a file there atomically
     * ({@link AtomicFile}); returns the bytes written.
     */
    public static long write(PackedModel model, String uri) {
        byte[] bytes = toBytes(model);
        try {
            AtomicFile.write(uri, bytes);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("cannot write packed model to " + uri, e.getCause());
        }
        return bytes.length;
    }

    /** Reads the packed model at {@code uri}. */
    public static PackedModel read(String uri) {
        Path path = new Path(URI.create(uri));
        try {
            FileSystem fs = path.getFileSystem(HadoopConf.get());
            try (InputStream in = fs.open(path)) {
                return fromBytes(in.readAllBytes(), uri);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("packed model " + uri + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static byte[] readBlock(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_JSON) {
            throw new IOException("block of " + n + " bytes out of range");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
