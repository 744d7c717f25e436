package org.pocketflow.worker.export;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A sparse tensor as a bitmap of non-zero positions plus the non-zero values in order: one bit
 * per element and 32 per kept value, so at 75% sparsity it needs 9 bits per element instead
 * of 32 (3.6x smaller). A bitmap beats CSR's 32-bit column indices for every sparsity under 97%.
 *
 * @param shape  tensor shape
 * @param bitmap bit {@code i} (least significant first, packed in 64-bit words) set when element {@code i} is kept
 * @param values the kept values, in element order
 */
public record SparseTensor(long[] shape, byte[] bitmap, float[] values) implements TensorEncoding {
    static final int KIND = 2;

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
        return 1 + Tensors.shapeBytes(shape) + 4 + bitmap.length + 4 + 4L * values.length;
    }

    @Override
    public String describe() {
        return String.format("sparse-%.2f", sparsity());
    }

    @Override
    public void write(DataOutput out) throws IOException {
        out.writeByte(KIND);
        Tensors.writeShape(out, shape);
        Tensors.writeBytes(out, bitmap);
        Tensors.writeFloats(out, values);
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
}
