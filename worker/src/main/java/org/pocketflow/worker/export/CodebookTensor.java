package org.pocketflow.worker.export;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A codebook-quantized tensor: element {@code i} is {@code codebook[index[i]]}, the indices
 * packed at {@code bits} bits each and the codebook holding at most {@code 2^bits} fp32 centroids
 * (Han, Mao and Dally 2016, "Deep Compression", section 3: weight sharing).
 *
 * @param shape    tensor shape
 * @param bits     bits per index, 1..16
 * @param codebook the centroids
 * @param packed   the indices, least significant first in 64-bit words
 */
public record CodebookTensor(long[] shape, int bits, float[] codebook, byte[] packed) implements TensorEncoding {
    static final int KIND = 4;

    public CodebookTensor {
        Tensors.checkBits(bits);
        if (codebook.length < 1 || codebook.length > (1 << bits)) {
            throw new IllegalArgumentException("codebook of " + codebook.length + " entries for " + bits + " bits");
        }
        if (packed.length != Tensors.packedBytes(TensorEncoding.elements(shape), bits)) {
            throw new IllegalArgumentException("packed payload of " + packed.length + " bytes does not fit the shape");
        }
    }

    /** Packs {@code indices} (each below {@code codebook.length}). */
    public static CodebookTensor of(long[] shape, int bits, float[] codebook, int[] indices) {
        return new CodebookTensor(shape, bits, codebook, Tensors.pack(indices, bits));
    }

    /** The per-element codebook indices. */
    public int[] indices() {
        return Tensors.unpack(packed, bits, Math.toIntExact(TensorEncoding.elements(shape)));
    }

    @Override
    public float[] decode() {
        int[] idx = indices();
        float[] out = new float[idx.length];
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] >= codebook.length) {
                throw new IllegalStateException("index " + idx[i] + " beyond the codebook of " + codebook.length);
            }
            out[i] = codebook[idx[i]];
        }
        return out;
    }

    @Override
    public long storedBytes() {
        return 1 + Tensors.shapeBytes(shape) + 1 + 4 + 4L * codebook.length + 4 + packed.length;
    }

    @Override
    public String describe() {
        return "codebook-" + bits;
    }

    @Override
    public void write(DataOutput out) throws IOException {
        out.writeByte(KIND);
        Tensors.writeShape(out, shape);
        out.writeByte(bits);
        Tensors.writeFloats(out, codebook);
        Tensors.writeBytes(out, packed);
    }

    static CodebookTensor readPayload(DataInput in, long[] shape) throws IOException {
        int bits = in.readUnsignedByte();
        if (bits < 1 || bits > 16) {
            throw new IOException("codebook tensor with " + bits + " bits is invalid");
        }
        float[] codebook = Tensors.readFloats(in, 1L << bits);
        byte[] packed = Tensors.readBytes(in, Tensors.packedBytes(TensorEncoding.elements(shape), bits));
        CodebookTensor t;
        try {
            t = new CodebookTensor(shape, bits, codebook, packed);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        for (int i : t.indices()) {
            if (i >= codebook.length) {
                throw new IOException("codebook index " + i + " beyond the codebook of " + codebook.length);
            }
        }
        return t;
    }
}
