package org.pocketflow.worker.export;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

import org.pocketflow.qsgd.kernel.BitReader;
import org.pocketflow.qsgd.kernel.BitWriter;

/** Shape headers, float arrays and b-bit packing shared by the tensor encodings. */
final class Tensors {
    private static final int MAX_RANK = 8;

    private Tensors() {
    }

    static void writeShape(DataOutput out, long[] shape) throws IOException {
        out.writeByte(shape.length);
        for (long d : shape) {
            out.writeLong(d);
        }
    }

    static long[] readShape(DataInput in, long maxElements) throws IOException {
        int rank = in.readUnsignedByte();
        if (rank > MAX_RANK) {
            throw new IOException("tensor rank " + rank + " exceeds " + MAX_RANK);
        }
        long[] shape = new long[rank];
        long n = 1;
        for (int i = 0; i < rank; i++) {
            shape[i] = in.readLong();
            if (shape[i] < 0 || shape[i] > maxElements) {
                throw new IOException("tensor dimension " + shape[i] + " out of range");
            }
            n *= Math.max(1, shape[i]);
            if (n > maxElements) {
                throw new IOException("tensor of " + n + "+ elements exceeds the file's " + maxElements);
            }
        }
        return shape;
    }

    static long shapeBytes(long[] shape) {
        return 1 + 8L * shape.length;
    }

    static void writeFloats(DataOutput out, float[] v) throws IOException {
        out.writeInt(v.length);
        for (float f : v) {
            out.writeFloat(f);
        }
    }

    static float[] readFloats(DataInput in, long max) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > max) {
            throw new IOException("float array of " + n + " entries, expected at most " + max);
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = in.readFloat();
        }
        return v;
    }

    /**
     * Writes {@code v} as four byte planes (every value's most significant byte, then every
     * value's second byte, ...): the sign and exponent bytes of trained weights repeat, and
     * deflate finds those runs only when they stand side by side.
     */
    static void writeFloatPlanes(DataOutput out, float[] v) throws IOException {
        out.writeInt(v.length);
        byte[] planes = new byte[4 * v.length];
        for (int i = 0; i < v.length; i++) {
            int bits = Float.floatToRawIntBits(v[i]);
            for (int p = 0; p < 4; p++) {
                planes[p * v.length + i] = (byte) (bits >>> (24 - 8 * p));
            }
        }
        out.write(planes);
    }

    static float[] readFloatPlanes(DataInput in, long max) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > max) {
            throw new IOException("float array of " + n + " entries, expected at most " + max);
        }
        byte[] planes = new byte[Math.multiplyExact(4, n)];
        in.readFully(planes);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int bits = 0;
            for (int p = 0; p < 4; p++) {
                bits |= (planes[p * n + i] & 0xFF) << (24 - 8 * p);
            }
            v[i] = Float.intBitsToFloat(bits);
        }
        return v;
    }

    static void writeBytes(DataOutput out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    static byte[] readBytes(DataInput in, long expected) throws IOException {
        int n = in.readInt();
        if (n != expected) {
            throw new IOException("payload of " + n + " bytes, expected " + expected);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    /** Bytes of {@code count} values of {@code bits} bits packed into 64-bit words. */
    static long packedBytes(long count, int bits) {
        return (count * bits + 63) / 64 * 8;
    }

    /** Packs the low {@code bits} bits of every value, least significant first. */
    static byte[] pack(int[] values, int bits) {
        BitWriter w = new BitWriter();
        for (int v : values) {
            w.write(v & ((1L << bits) - 1), bits);
        }
        w.finish();
        byte[] out = new byte[w.byteCount()];
        w.copyTo(out, 0);
        return out;
    }

    /** Reverses {@link #pack} for {@code count} values. */
    static int[] unpack(byte[] packed, int bits, int count) {
        BitReader r = new BitReader(packed, 0, packed.length);
        int[] v = new int[count];
        for (int i = 0; i < count; i++) {
            v[i] = r.read(bits);
        }
        return v;
    }

    static void checkBits(int bits) {
        if (bits < 1 || bits > 16) {
            throw new IllegalArgumentException("bits must be in 1..16, but got " + bits);
        }
    }
}
