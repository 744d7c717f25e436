package org.pocketflow.qsgd.ps.checkpoint;

import org.pocketflow.qsgd.EncoderState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Keeps the last two {@link Checkpoint}s, {@code <dir>/ps-checkpoint.pfck} (the newest) and
 * {@code <dir>/ps-checkpoint.prev.pfck} (the one before), in a {@link CheckpointFolder}: a local
 * folder through java.nio, or whatever storage the caller gives (this module has no Hadoop
 * dependency; the driver gives a folder on the run directory's Hadoop file system).
 *
 * <p>Format version 3, little-endian: magic {@code PFCK}, version (int), step (long), optimizer
 * name (int length + UTF-8), parameter count n (int), n floats, state count m (int), m floats,
 * encoder-state count k (int) and k times: worker id (int), messages encoded (long), residual
 * length r (int), r floats; the optimizer's extra state (int length e + e bytes: a learner's
 * constraint kept around the optimizer, in its own versioned layout); then CRC32C over everything
 * before it. Version 2, the same without the extra state, and version 1, also without the encoder
 * states, still read (as a checkpoint without them). {@link #save} writes a temporary file and makes it durable,
 * renames the newest to the previous one, then the temporary file to the newest (on a local
 * folder it then syncs the folder): a crash at any point leaves at least one whole checkpoint. {@link #load} takes the
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

    private final CheckpointFolder folder;

    /** A store in the local folder {@code dir}. */
    public CheckpointStore(Path dir) {
        this(CheckpointFolder.local(dir));
    }

    /** A store in {@code folder}. */
    public CheckpointStore(CheckpointFolder folder) {
        this.folder = folder;
    }

    /**
     * The newest checkpoint's file, for a store in a local folder.
     *
     * @throws IllegalStateException for a store elsewhere (see {@link #where})
     */
    public Path file() {
        return local().dir().resolve(FILE);
    }

    /**
     * The previous checkpoint's file, kept until the next save, for a store in a local folder.
     *
     * @throws IllegalStateException for a store elsewhere
     */
    public Path previousFile() {
        return local().dir().resolve(PREVIOUS);
    }

    /** Where the newest checkpoint's file is, for messages (any folder). */
    public String where() {
        return folder.where(FILE);
    }

    /** Where the previous checkpoint's file is, for messages (any folder). */
    public String wherePrevious() {
        return folder.where(PREVIOUS);
    }

    private LocalCheckpointFolder local() {
        if (folder instanceof LocalCheckpointFolder l) {
            return l;
        }
        throw new IllegalStateException("the checkpoints are not in a local folder but at " + where());
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
        String tmp = null;
        try {
            tmp = folder.writeTemporary(FILE, b.array());
            if (folder.exists(FILE)) {
                folder.rename(FILE, PREVIOUS);
            }
            folder.rename(tmp, FILE);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the parameter-server checkpoint " + where() + ": " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    folder.delete(tmp);
                } catch (IOException ignored) {
                    // the write already failed; that failure is the one to report
                }
            }
        }
    }

    /**
     * The newest checkpoint that reads whole, or empty when there is none. A damaged or missing
     * newest file falls back to the previous one, with a warning in the log.
     *
     * @throws CheckpointRefusedException if every checkpoint file there is damaged
     */
    public Optional<Checkpoint> load() {
        String trouble = null;
        boolean damaged = false;
        for (String f : new String[] {FILE, PREVIOUS}) {
            try {
                byte[] bytes = folder.read(f);
                if (bytes == null) {
                    trouble = f.equals(FILE) ? where() + " is missing" : trouble;
                    continue;
                }
                Checkpoint c = parse(bytes);
                if (trouble != null) {
                    LOG.warn("parameter-server checkpoint {}; resuming from the previous one, {} (step {})", trouble,
                            folder.where(f), c.step());
                }
                return Optional.of(c);
            } catch (IOException | RuntimeException e) {
                String why = folder.where(f) + " is damaged (" + e.getMessage() + ")";
                trouble = trouble == null ? why : trouble + " and " + why;
                damaged = true;
            }
        }
        if (damaged) {
            throw new CheckpointRefusedException("parameter-server checkpoint " + trouble + "; delete " + where() + " and "
                    + wherePrevious() + " to start from scratch");
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
