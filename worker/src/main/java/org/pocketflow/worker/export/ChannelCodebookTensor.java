package org.pocketflow.worker.export;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A codebook-quantized tensor whose channels each have their own range, in one of two layouts:
 * <ul>
 *   <li>shared: one codebook of at most {@code 2^bits} centroids and one scale per channel;
 *       element {@code i} of channel {@code c} is {@code scales[c] * codebook[index[i]]}. It stores
 *       {@code 2^bits + channels} floats beside the indices, fewer than a {@link UniformTensor}'s
 *       {@code 2 * channels};</li>
 *   <li>per channel: {@code channels} codebooks of {@code 2^bits} centroids each, concatenated,
 *       and no scales; element {@code i} of channel {@code c} is
 *       {@code codebook[c * 2^bits + index[i]]}.</li>
 * </ul>
 * PocketFlow's non-uniform learner buckets per channel for the same reason: one codebook over
 * channels of different ranges wastes centroids. Written only by format version 3 and later
 * ({@link PackedModelFile}).
 *
 * @param shape    tensor shape
 * @param bits     bits per index, 1..16
 * @param axis     the channel axis (as in {@link UniformTensor})
 * @param scales   per-channel factor (shared layout), or empty (per-channel layout)
 * @param codebook the shared centroids, or every channel's {@code 2^bits} centroids
 * @param packed   the indices, least significant first in 64-bit words
 */
public record ChannelCodebookTensor(long[] shape, int bits, int axis, float[] scales, float[] codebook, byte[] packed)
        implements TensorEncoding {
    static final int KIND = 7;

    public ChannelCodebookTensor {
        Tensors.checkBits(bits);
        if (axis < 0 || axis >= shape.length) {
            throw new IllegalArgumentException("channel axis " + axis + " outside shape of rank " + shape.length);
        }
        boolean perChannel = scales.length == 0;
        if (!perChannel && scales.length != shape[axis]) {
            throw new IllegalArgumentException(scales.length + " scales for " + shape[axis] + " channels");
        }
        if (perChannel ? codebook.length != shape[axis] << bits : codebook.length < 1 || codebook.length > 1 << bits) {
            throw new IllegalArgumentException("codebook of " + codebook.length + " entries for " + bits + " bits and "
                    + shape[axis] + " channels " + (perChannel ? "(one codebook per channel)" : "(shared, scaled)"));
        }
        if (packed.length != Tensors.packedBytes(TensorEncoding.elements(shape), bits)) {
            throw new IllegalArgumentException("packed payload of " + packed.length + " bytes does not fit the shape");
        }
    }

    /** Packs {@code indices} (each below the codebook's entries). */
    public static ChannelCodebookTensor of(long[] shape, int bits, int axis, float[] scales, float[] codebook,
                                           int[] indices) {
        return new ChannelCodebookTensor(shape, bits, axis, scales, codebook, Tensors.pack(indices, bits));
    }

    /** Whether each channel has its own codebook (and there are no scales). */
    public boolean perChannel() {
        return scales.length == 0;
    }

    /** The per-element codebook indices (within the element's channel's codebook). */
    public int[] indices() {
        return Tensors.unpack(packed, bits, Math.toIntExact(TensorEncoding.elements(shape)));
    }

    @Override
    public float[] decode() {
        int[] idx = indices();
        float[] out = new float[idx.length];
        int entries = perChannel() ? 1 << bits : codebook.length;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] >= entries) {
                throw new IllegalStateException("index " + idx[i] + " beyond the codebook of " + entries);
            }
            int c = UniformTensor.channelOf(i, shape, axis);
            out[i] = perChannel() ? codebook[(c << bits) + idx[i]] : scales[c] * codebook[idx[i]];
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
        return "codebook-" + bits + (perChannel() ? "-per-channel" : "-scaled");
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

    static ChannelCodebookTensor readPayload(DataInput in, long[] shape) throws IOException {
        int bits = in.readUnsignedByte();
        int axis = in.readUnsignedByte();
        if (bits < 1 || bits > 16 || axis >= shape.length) {
            throw new IOException("channel codebook tensor with bits " + bits + " and axis " + axis + " is invalid");
        }
        float[] scales = Tensors.readFloats(in, shape[axis]);
        float[] codebook = Tensors.readFloats(in, shape[axis] << bits);
        byte[] packed = Tensors.readBytes(in, Tensors.packedBytes(TensorEncoding.elements(shape), bits));
        ChannelCodebookTensor t;
        try {
            t = new ChannelCodebookTensor(shape, bits, axis, scales, codebook, packed);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        int entries = t.perChannel() ? 1 << bits : codebook.length;
        for (int i : t.indices()) {
            if (i >= entries) {
                throw new IOException("codebook index " + i + " beyond the codebook of " + entries);
            }
        }
        return t;
    }
}
