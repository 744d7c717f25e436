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
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.pocketflow.worker.io.AtomicFile;
import org.pocketflow.worker.io.HadoopConf;

/**
 * The packed model file ({@code model.pfpk}), version 1, big-endian:
 * <pre>
 *   magic "PFPK" | u16 version | i32 n + n (modified-UTF-8 key, value) provenance pairs
 *   | i32 raw length, i32 n + n bytes deflated DL4J configuration JSON
 *   | i32 tensor count | per tensor: modified-UTF-8 key, {@link TensorEncoding#write encoding}
 *   | i32 CRC32C of everything before it
 * </pre>
 * A truncated, corrupted or foreign file is rejected with a message saying what is wrong;
 * nothing is half-loaded. Files live on any Hadoop FileSystem URI.
 */
public final class PackedModelFile {
    /** Format version this code writes and reads. */
    public static final int VERSION = 1;
    private static final byte[] MAGIC = "PFPK".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_JSON = 64 << 20;
    private static final long MAX_ELEMENTS = 1L << 31;

    private PackedModelFile() {
    }

    /** The file's bytes. */
    public static byte[] toBytes(PackedModel model) {
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buf);
            out.write(MAGIC);
            out.writeShort(VERSION);
            out.writeInt(model.provenance().size());
            for (Map.Entry<String, String> e : model.provenance().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
            byte[] conf = model.configJson().getBytes(StandardCharsets.UTF_8);
            byte[] deflated = deflate(conf);
            out.writeInt(conf.length);
            out.writeInt(deflated.length);
            out.write(deflated);
            out.writeInt(model.tensors().size());
            for (Map.Entry<String, TensorEncoding> e : model.tensors().entrySet()) {
                out.writeUTF(e.getKey());
                e.getValue().write(out);
            }
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
            if (version != VERSION) {
                throw new IOException("format version " + version + "; this build reads version " + VERSION);
            }
            int pairs = in.readInt();
            if (pairs < 0 || pairs > 1 << 16) {
                throw new IOException("provenance of " + pairs + " entries out of range");
            }
            Map<String, String> prov = new LinkedHashMap<>();
            for (int i = 0; i < pairs; i++) {
                prov.put(in.readUTF(), in.readUTF());
            }
            int rawLength = in.readInt();
            String conf = new String(inflate(readBlock(in), rawLength), StandardCharsets.UTF_8);
            int count = in.readInt();
            if (count < 0 || count > 1 << 20) {
                throw new IOException("tensor count " + count + " out of range");
            }
            Map<String, TensorEncoding> tensors = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                tensors.put(in.readUTF(), TensorEncoding.read(in, MAX_ELEMENTS));
            }
            if (in.available() != 0) {
                throw new IOException(in.available() + " unexpected bytes after the tensors");
            }
            return new PackedModel(conf, tensors, prov);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("packed model " + source + " cannot be read: " + e.getMessage(), e);
        }
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

    private static byte[] deflate(byte[] raw) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        d.setInput(raw);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        while (!d.finished()) {
            out.write(chunk, 0, d.deflate(chunk));
        }
        d.end();
        return out.toByteArray();
    }

    private static byte[] inflate(byte[] deflated, int rawLength) throws IOException {
        if (rawLength < 0 || rawLength > MAX_JSON) {
            throw new IOException("configuration of " + rawLength + " bytes out of range");
        }
        Inflater inf = new Inflater();
        inf.setInput(deflated);
        byte[] raw = new byte[rawLength];
        try {
            int n = inf.inflate(raw);
            if (n != rawLength || !inf.finished()) {
                throw new IOException("configuration inflates to " + n + " bytes, expected " + rawLength);
            }
        } catch (DataFormatException e) {
            throw new IOException("configuration is not valid deflate data", e);
        } finally {
            inf.end();
        }
        return raw;
    }
}
