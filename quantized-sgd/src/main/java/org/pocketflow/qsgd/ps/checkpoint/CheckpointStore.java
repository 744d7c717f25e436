package org.pocketflow.qsgd.ps.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Keeps the latest {@link Checkpoint} in one file, {@code <dir>/ps-checkpoint.pfck}, through
 * java.nio (this module has no Hadoop dependency; a driver that wants a Hadoop FS run directory
 * copies the file, or mounts it).
 *
 * <p>Format version 1, little-endian: magic {@code PFCK}, version (int), step (long), optimizer
 * name (int length + UTF-8), parameter count n (int), n floats, state count m (int), m floats,
 * CRC32C over everything before it. {@link #save} writes a temporary file and moves it over the
 * old one atomically, so a crash leaves the previous checkpoint whole.
 *
 * <p>Used from the server's one thread; {@link #load} may be called from any thread.
 */
public final class CheckpointStore {
    /** "PFCK" little-endian. */
    static final int MAGIC = 0x4b434650;
    static final int VERSION = 1;
    static final String FILE = "ps-checkpoint.pfck";

    private final Path dir;

    public CheckpointStore(Path dir) {
        this.dir = dir;
    }

    /** The checkpoint file. */
    public Path file() {
        return dir.resolve(FILE);
    }

    public void save(Checkpoint c) {
        byte[] name = c.optimizer().getBytes(StandardCharsets.UTF_8);
        float[] p = c.params();
        float[] s = c.optimizerState();
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 8 + 4 + name.length + 4 + 4 * p.length + 4 + 4 * s.length + 4)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(VERSION).putLong(c.step()).putInt(name.length).put(name).putInt(p.length);
        b.asFloatBuffer().put(p);
        b.position(b.position() + 4 * p.length);
        b.putInt(s.length);
        b.asFloatBuffer().put(s);
        b.position(b.position() + 4 * s.length);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, FILE, ".tmp");
            Files.write(tmp, b.array());
            Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the parameter-server checkpoint " + file() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The stored checkpoint, or empty when there is none.
     *
     * @throws IllegalStateException if the file exists but is damaged or of another version
     */
    public Optional<Checkpoint> load() {
        Path f = file();
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the parameter-server checkpoint " + f + ": " + e.getMessage(), e);
        }
        try {
            return Optional.of(parse(bytes));
        } catch (RuntimeException e) {
            throw new IllegalStateException("parameter-server checkpoint " + f + " is damaged: " + e.getMessage()
                    + "; delete it to start from scratch", e);
        }
    }

    private static Checkpoint parse(byte[] bytes) {
        if (bytes.length < 32) {
            throw new IllegalArgumentException(bytes.length + " bytes is too short");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if ((int) crc.getValue() != b.getInt(bytes.length - 4)) {
            throw new IllegalArgumentException("CRC32C does not match");
        }
        if (b.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a PFCK file");
        }
        int version = b.getInt();
        if (version != VERSION) {
            throw new IllegalArgumentException("format version " + version + ", this build reads " + VERSION);
        }
        long step = b.getLong();
        byte[] name = new byte[b.getInt()];
        b.get(name);
        float[] p = new float[b.getInt()];
        b.asFloatBuffer().get(p);
        b.position(b.position() + 4 * p.length);
        float[] s = new float[b.getInt()];
        b.asFloatBuffer().get(s);
        b.position(b.position() + 4 * s.length);
        if (b.remaining() != 4) {
            throw new IllegalArgumentException(b.remaining() - 4 + " bytes left over");
        }
        return new Checkpoint(step, new String(name, StandardCharsets.UTF_8), p, s);
    }
}
