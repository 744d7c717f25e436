package org.pocketflow.worker.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The file form of a {@link StepHook}'s state at a step, as a parameter-server checkpoint carries
 * it. Big-endian ({@link DataOutput}):
 *
 * <pre>
 * offset  size  field
 * 0       4     magic "PFHS"
 * 4       4     format version (1)
 * 8       8     step: the hook's state is the one after beforeStep(step)
 * 16      2+n   the hook's {@link StepHook#stateName()} (modified UTF-8)
 * ..      4     payload length p
 * ..      p     the hook's {@link StepHook#saveState} bytes
 * ..      4     CRC32C of everything before it
 * </pre>
 *
 * {@link #restore} checks, in this order, and names the first fault: length, checksum, magic,
 * version, step, hook name, then that the hook read the whole payload. Float arrays inside
 * payloads keep their exact bits ({@link #writeFloats}).
 */
public final class HookState {
    /** "PFHS" big-endian. */
    static final int MAGIC = 0x50464853;
    static final int VERSION = 1;

    private HookState() {
    }

    /** {@code hook}'s state after {@code beforeStep(step)}, framed. */
    public static byte[] encode(StepHook hook, long step) {
        try {
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            hook.saveState(new DataOutputStream(payload));
            ByteArrayOutputStream all = new ByteArrayOutputStream(payload.size() + 64);
            DataOutputStream out = new DataOutputStream(all);
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeLong(step);
            out.writeUTF(hook.stateName());
            out.writeInt(payload.size());
            payload.writeTo(out);
            CRC32C crc = new CRC32C();
            crc.update(all.toByteArray());
            out.writeInt((int) crc.getValue());
            return all.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the state of hook " + hook.stateName(), e);
        }
    }

    /**
     * Restores {@code hook} from {@code bytes} written by {@link #encode} at {@code step}.
     *
     * @throws IllegalStateException naming the first fault when the bytes are damaged, of another
     *     format version, step or hook, or do not fit the hook's network
     */
    public static void restore(byte[] bytes, StepHook hook, long step) {
        if (bytes.length < 26) {
            throw new IllegalStateException("hook state of " + bytes.length + " bytes is too short (it must hold at least 26)");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if ((int) crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt()) {
            throw new IllegalStateException("hook state is damaged: its CRC32C does not match");
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 0, bytes.length - 4));
            if (in.readInt() != MAGIC) {
                throw new IllegalStateException("hook state does not start with PFHS");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalStateException("hook state has format version " + version + ", this build reads " + VERSION);
            }
            long at = in.readLong();
            if (at != step) {
                throw new IllegalStateException("hook state is of step " + at + ", the checkpoint's is " + step);
            }
            String name = in.readUTF();
            if (!name.equals(hook.stateName())) {
                throw new IllegalStateException("hook state is of hook " + name + ", this run's is " + hook.stateName());
            }
            int length = in.readInt();
            if (length != in.available()) {
                throw new IllegalStateException("hook state payload says " + length + " bytes, " + in.available() + " are there");
            }
            hook.restoreState(in);
            if (in.available() > 0) {
                throw new IllegalStateException("hook " + name + " left " + in.available() + " bytes of its state unread");
            }
        } catch (IOException e) {
            throw new IllegalStateException("hook state ends early: " + e, e);
        }
    }

    /** Writes {@code v}'s length and its floats' exact bits. */
    public static void writeFloats(DataOutput out, float[] v) throws IOException {
        out.writeInt(v.length);
        for (float x : v) {
            out.writeInt(Float.floatToRawIntBits(x));
        }
    }

    /**
     * Reads floats written by {@link #writeFloats}.
     *
     * @param expected their count (-1: any)
     * @param what names them in the error
     * @throws IllegalStateException if the count is not {@code expected}
     */
    public static float[] readFloats(DataInput in, int expected, String what) throws IOException {
        int n = in.readInt();
        if (n < 0 || expected >= 0 && n != expected) {
            throw new IllegalStateException("hook state holds " + n + " values for " + what + ", this network has "
                    + (expected < 0 ? "another count" : expected));
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = Float.intBitsToFloat(in.readInt());
        }
        return v;
    }

    /** Writes a tensor's key, checked by {@link #readKey}, so that a state restores onto the tensors it was taken from. */
    public static void writeKey(DataOutput out, String key) throws IOException {
        out.writeUTF(key);
    }

    /** Reads a key written by {@link #writeKey}. @throws IllegalStateException if it is not {@code expected} */
    public static void readKey(DataInput in, String expected) throws IOException {
        String key = in.readUTF();
        if (!key.equals(expected)) {
            throw new IllegalStateException("hook state holds tensor " + key + " where this network has " + expected);
        }
    }
}
