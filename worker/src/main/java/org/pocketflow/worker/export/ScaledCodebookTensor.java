package org.pocketflow.worker.export;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A codebook-quantized tensor with one scale per channel: element {@code i} of channel {@code c}
 * is {@code scales[c] * codebook[index[i]]}. One codebook of at most {@code 2^bits} fp32
 * centroids is shared by all channels, so the tensor stores {@code 2^bits + channels} floats
 * beside its indices, fewer than a {@link UniformTensor}'s {@code 2 * channels}, while each
 * channel keeps its own range (PocketFlow's non-uniform learner buckets per channel for the
 * same reason). Written only by format version 3 and later ({@link PackedModelFile}).
 *
 * @param shape    tensor shape
 * @param bits     bits per index, 1..16
 * @param axis     the channel axis (as in {@link UniformTensor})
 * @param scales   per-channel factor
 * @param codebook the shared centroids
 * @param packed   the indices, least significant first in 64-bit words
 */
public record ScaledCodebookTensor(long[] shape, int bits, int axis, float[] scales, float[] codebook, byte[] packed)
        implements TensorEncoding {
    static final int KIND = 7;

    public ScaledCodebookTensor {
        Tensors.checkBits(bits);
        if (axis < 0 || axis >= shape.length) {
            throw new IllegalArgumentException("channel axis " + axis + " outside shape of rank " + shape.length);
        }
        if (scales.length != shape[axis]) {
            throw new IllegalArgumentException(scales.length + " scales for " + shape[axis] + " channels");
        }
        if (codebook.length < 1 || codebook.length > (1 << bits)) {
            throw new IllegalArgumentException("codebook of " + codebook.length + " entries for " + bits + " bits");
        }
        if (packed.length != Tensors.packedBytes(TensorEncoding.elements(shape), bits)) {
            throw new IllegalArgumentException("packed payload of " + packed.length + " bytes does not fit the shape");
        }
    }

    /** Packs {@code indices} (each below {@code codebook.length}). */
    public static ScaledCodebookTensor of(long[] shape, int bits, int axis, float[] scales, float[] codebook,
                                          int[] indices) {
        return new ScaledCodebookTensor(shape, bits, axis, scales, codebook, Tensors.pack(indices, bits));
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
            out[i] = scales[UniformTensor.channelOf(i, shape, axis)] * codebook[idx[i]];
        }
        return out;
    }

    @Override
    public long storedBytes() {
        return 1 + Tensors.shapeBytes(shape) + 2 + 4 + 4L * scales.length + 4 + 4L * codebook.length + 4
                + packed.length;
    }

    @Override
    public String describe() {
        return "codebook-" + bits + "-per-channel";
    }

    @Override
    public void write(DataOutput out) throws IOException {
        out.writeByte(KIND);
        Tensors.writeShape(out, shape);
        out.writeByte(bits);
        out.writeByte(axis);
        Tensors.writeFloats(out, scales);
        Tensors.writeFloats(out, codebook);
        Tensors.writeBytes(out, packed);
    }

    static ScaledCodebookTensor readPayload(DataInput in, long[] shape) throws IOException {
        int bits = in.readUnsignedByte();
        int axis = in.readUnsignedByte();
        if (bits < 1 || bits > 16 || axis >= shape.length) {
            throw new IOException("per-channel codebook tensor with bits " + bits + " and axis " + axis
                    + " is invalid");
        }
        float[] scales = Tensors.readFloats(in, shape[axis]);
        float[] codebook = Tensors.readFloats(in, 1L << bits);
        byte[] packed = Tensors.readBytes(in, Tensors.packedBytes(TensorEncoding.elements(shape), bits));
        ScaledCodebookTensor t;
        try {
            t = new ScaledCodebookTensor(shape, bits, axis, scales, codebook, packed);
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
