package org.pocketflow.worker.export;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A sparse tensor: the positions of its non-zero elements plus the non-zero values in order.
 * The positions are stored whichever way is smaller for this tensor: a bitmap (one bit per
 * element; kind 2) or delta-coded positions (kind 5: the values as byte planes, then the gap
 * before each kept element, packed at the fewest bits that hold the largest gap). At 75% sparsity the bitmap needs 9 bits per
 * element instead of 32 (3.6x smaller); from about 90% on the gaps are smaller than the bitmap.
 *
 * @param shape  tensor shape
 * @param bitmap bit {@code i} (least significant first, packed in 64-bit words) set when element {@code i} is kept
 * @param values the kept values, in element order
 */
public record SparseTensor(long[] shape, byte[] bitmap, float[] values) implements TensorEncoding {
    static final int KIND = 2;
    static final int POSITIONS_KIND = 5;
    private static final int MAX_GAP_BITS = 31;

    public SparseTensor {
        long n = TensorEncoding.elements(shape);
        if (bitmap.length != Tensors.packedBytes(n, 1)) {
            throw new IllegalArgumentException("bitmap of " + bitmap.length + " bytes for " + n + " elements");
        }
    }

    /** Encodes {@code dense}, keeping exactly its non-zero elements. */
    public static SparseTensor of(long[] shape, float[] dense) {
        int[] bits = new int[dense.length];
        int kept = 0;
        for (int i = 0; i < dense.length; i++) {
            if (dense[i] != 0f) {
                bits[i] = 1;
                kept++;
            }
        }
        float[] values = new float[kept];
        for (int i = 0, k = 0; i < dense.length; i++) {
            if (bits[i] == 1) {
                values[k++] = dense[i];
            }
        }
        return new SparseTensor(shape, Tensors.pack(bits, 1), values);
    }

    /** Fraction of elements that are zero. */
    public double sparsity() {
        long n = TensorEncoding.elements(shape);
        return n == 0 ? 0 : 1.0 - values.length / (double) n;
    }

    @Override
    public float[] decode() {
        int n = Math.toIntExact(TensorEncoding.elements(shape));
        int[] bits = Tensors.unpack(bitmap, 1, n);
        float[] out = new float[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (bits[i] == 1) {
                if (k == values.length) {
                    throw new IllegalStateException("bitmap marks more elements than the " + values.length + " values");
                }
                out[i] = values[k++];
            }
        }
        if (k != values.length) {
            throw new IllegalStateException("bitmap marks " + k + " elements but " + values.length + " values are stored");
        }
        return out;
    }

    @Override
    public long storedBytes() {
        return 1 + Tensors.shapeBytes(shape) + 4 + 4L * values.length + Math.min(bitmapBytes(), positionBytes(gapBits(gaps())));
    }

    @Override
    public String describe() {
        return String.format("sparse-%.2f", sparsity());
    }

    /** Writes the bitmap form (kind 2) or the delta-coded form (kind 5), whichever is smaller. */
    @Override
    public void write(DataOutput out) throws IOException {
        int[] gaps = gaps();
        int bits = gapBits(gaps);
        if (positionBytes(bits) < bitmapBytes()) {
            out.writeByte(POSITIONS_KIND);
            Tensors.writeShape(out, shape);
            Tensors.writeFloatPlanes(out, values);
            out.writeByte(bits);
            Tensors.writeBytes(out, Tensors.pack(gaps, bits));
        } else {
            out.writeByte(KIND);
            Tensors.writeShape(out, shape);
            Tensors.writeBytes(out, bitmap);
            Tensors.writeFloats(out, values);
        }
    }

    private long bitmapBytes() {
        return 4 + bitmap.length;
    }

    private long positionBytes(int gapBits) {
        return 1 + 4 + Tensors.packedBytes(values.length, gapBits);
    }

    /** Per kept element, how many elements were skipped since the previous kept one. */
    private int[] gaps() {
        int n = Math.toIntExact(TensorEncoding.elements(shape));
        int[] bits = Tensors.unpack(bitmap, 1, n);
        int[] gaps = new int[values.length];
        int k = 0;
        int previous = -1;
        for (int i = 0; i < n && k < gaps.length; i++) {
            if (bits[i] == 1) {
                gaps[k++] = i - previous - 1;
                previous = i;
            }
        }
        return gaps;
    }

    private static int gapBits(int[] gaps) {
        int max = 0;
        for (int g : gaps) {
            max = Math.max(max, g);
        }
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(max));
    }

    static SparseTensor readPayload(DataInput in, long[] shape) throws IOException {
        long n = TensorEncoding.elements(shape);
        byte[] bitmap = Tensors.readBytes(in, Tensors.packedBytes(n, 1));
        float[] values = Tensors.readFloats(in, n);
        SparseTensor t = new SparseTensor(shape, bitmap, values);
        long marked = 0;
        for (byte b : bitmap) {
            marked += Integer.bitCount(b & 0xFF);
        }
        if (marked != values.length) {
            throw new IOException("sparse tensor bitmap marks " + marked + " elements but holds " + values.length + " values");
        }
        return t;
    }

    static SparseTensor readPositions(DataInput in, long[] shape) throws IOException {
        long n = TensorEncoding.elements(shape);
        float[] values = Tensors.readFloatPlanes(in, n);
        int bits = in.readUnsignedByte();
        if (bits < 1 || bits > MAX_GAP_BITS) {
            throw new IOException("sparse tensor with " + bits + "-bit gaps is invalid");
        }
        int[] gaps = Tensors.unpack(Tensors.readBytes(in, Tensors.packedBytes(values.length, bits)), bits,
                values.length);
        int[] kept = new int[Math.toIntExact(n)];
        long position = -1;
        for (int g : gaps) {
            position += 1L + g;
            if (position >= n) {
                throw new IOException("sparse tensor position " + position + " beyond its " + n + " elements");
            }
            kept[(int) position] = 1;
        }
        return new SparseTensor(shape, Tensors.pack(kept, 1), values);
    }
}
