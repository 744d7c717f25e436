package org.pocketflow.qsgd.ps.checkpoint;

import org.pocketflow.qsgd.EncoderState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Keeps the last two {@link Checkpoint}s, {@code <dir>/ps-checkpoint.pfck} (the newest) and
 * {@code <dir>/ps-checkpoint.prev.pfck} (the one before), through java.nio (this module has no
 * Hadoop dependency; a driver that wants a Hadoop FS run directory copies the files, or mounts
 * them).
 *
 * <p>Format version 3, little-endian: magic {@code PFCK}, version (int), step (long), optimizer
 * name (int length + UTF-8), parameter count n (int), n floats, state count m (int), m floats,
 * encoder-state count k (int) and k times: worker id (int), messages encoded (long), residual
 * length r (int), r floats; the optimizer's extra state (int length e + e bytes: a learner's
 * constraint kept around the optimizer, in its own versioned layout); then CRC32C over everything
 * before it. Version 2, the same without the extra state, and version 1, also without the encoder
 * states, still read (as a checkpoint without them). {@link #save} writes a temporary file and forces it to disk,
 * renames the newest to the previous one, then the temporary file to the newest, and syncs the
 * folder: a crash at any point leaves at least one whole checkpoint. {@link #load} takes the
 * newest that reads whole and logs when it falls back to the previous one.
 *
 * <p>Used from the server's one thread; {@link #load} may be called from any thread.
 */
public final class CheckpointStore {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    /** "PFCK" little-endian. */
    static final int MAGIC = 0x4b434650;
    static final int VERSION = 3;
    /** The format before encoder states, still read. */
    static final int VERSION_1 = 1;
    static final String FILE = "ps-checkpoint.pfck";
    static final String PREVIOUS = "ps-checkpoint.prev.pfck";

    private final Path dir;

    public CheckpointStore(Path dir) {
        this.dir = dir;
    }

    /** The newest checkpoint's file. */
    public Path file() {
        return dir.resolve(FILE);
    }

    /** The previous checkpoint's file, kept until the next save. */
    public Path previousFile() {
        return dir.resolve(PREVIOUS);
    }

    public void save(Checkpoint c) {
        byte[] name = c.optimizer().getBytes(StandardCharsets.UTF_8);
        float[] p = c.params();
        float[] s = c.optimizerState();
        byte[] extra = c.optimizerExtra();
        int encoderBytes = 4;
        for (EncoderState e : c.encoders().values()) {
            encoderBytes += 4 + 8 + 4 + 4 * e.residual().length;
        }
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 8 + 4 + name.length + 4 + 4 * p.length + 4 + 4 * s.length + encoderBytes + 4 + extra.length + 4)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(VERSION).putLong(c.step()).putInt(name.length).put(name).putInt(p.length);
        b.asFloatBuffer().put(p);
        b.position(b.position() + 4 * p.length);
        b.putInt(s.length);
        b.asFloatBuffer().put(s);
        b.position(b.position() + 4 * s.length);
        b.putInt(c.encoders().size());
        for (Map.Entry<Integer, EncoderState> e : c.encoders().entrySet()) {
            float[] h = e.getValue().residual();
            b.putInt(e.getKey()).putLong(e.getValue().messagesEncoded()).putInt(h.length);
            b.asFloatBuffer().put(h);
            b.position(b.position() + 4 * h.length);
        }
        b.putInt(extra.length).put(extra);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, FILE, ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer all = ByteBuffer.wrap(b.array());
                while (all.hasRemaining()) {
                    ch.write(all);
                }
                ch.force(true);
            }
            if (Files.exists(file())) {
                Files.move(file(), previousFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            syncFolder();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the parameter-server checkpoint " + file() + ": " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed; that failure is the one to report
                }
            }
        }
    }

    /** Makes the renames durable (Linux syncs a folder opened for reading; elsewhere this may be refused, harmlessly). */
    private void syncFolder() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            LOG.debug("cannot sync the folder {}: {}", dir, e.toString());
        }
    }

    /**
     * The newest checkpoint that reads whole, or empty when there is none. A damaged or missing
     * newest file falls back to the previous one, with a warning in the log.
     *
     * @throws CheckpointRefusedException if every checkpoint file there is damaged
     */
    public Optional<Checkpoint> load() {
        String newest = !Files.exists(file()) && Files.exists(previousFile()) ? file() + " is missing" : null;
        for (Path f : new Path[] {file(), previousFile()}) {
            if (!Files.exists(f)) {
                continue;
            }
            try {
                Checkpoint c = parse(Files.readAllBytes(f));
                if (newest != null) {
                    LOG.warn("parameter-server checkpoint {}; resuming from the previous one, {} (step {})", newest, f, c.step());
                }
                return Optional.of(c);
            } catch (IOException | RuntimeException e) {
                String why = f + " is damaged (" + e.getMessage() + ")";
                newest = newest == null ? why : newest + " and " + why;
            }
        }
        if (newest != null) {
            throw new CheckpointRefusedException("parameter-server checkpoint " + newest + "; delete " + file() + " and "
                    + previousFile() + " to start from scratch");
        }
        return Optional.empty();
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
        if (version < VERSION_1 || version > VERSION) {
            throw new IllegalArgumentException("format version " + version + ", this build reads " + VERSION_1 + " to " + VERSION);
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
        Map<Integer, EncoderState> encoders = new TreeMap<>();
        for (int k = version == VERSION_1 ? 0 : b.getInt(), i = 0; i < k; i++) {
            int worker = b.getInt();
            long messages = b.getLong();
            float[] h = new float[b.getInt()];
            b.asFloatBuffer().get(h);
            b.position(b.position() + 4 * h.length);
            encoders.put(worker, new EncoderState(messages, h));
        }
        byte[] extra = new byte[version == VERSION ? b.getInt() : 0];
        if (extra.length > b.remaining() - 4) {
            throw new IllegalArgumentException("extra optimizer state of " + extra.length + " bytes runs past the end");
        }
        b.get(extra);
        if (b.remaining() != 4) {
            throw new IllegalArgumentException(b.remaining() - 4 + " bytes left over");
        }
        return Checkpoint.withExtra(step, new String(name, StandardCharsets.UTF_8), p, s, encoders, extra);
    }
}
