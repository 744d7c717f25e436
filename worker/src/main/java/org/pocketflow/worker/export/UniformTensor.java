package org.pocketflow.worker.export;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A uniformly quantized tensor: element {@code i} of channel {@code c} is
 * {@code offsets[c] + scales[c] * q[i]} with {@code q[i]} an unsigned {@code bits}-bit integer,
 * packed densely. Channels run along {@code axis} (a convolution's output channels are axis 0
 * of DL4J's {@code [out, in, kh, kw]} weights; a dense layer's are axis 1 of {@code [in, out]}).
 *
 * @param shape   tensor shape
 * @param bits    bits per element, 1..16
 * @param axis    the channel axis
 * @param scales  per-channel step between levels
 * @param offsets per-channel value of level 0
 * @param packed  the levels, {@code bits} each, least significant first in 64-bit words
 */
public record UniformTensor(long[] shape, int bits, int axis, float[] scales, float[] offsets, byte[] packed)
        implements TensorEncoding {
    static final int KIND = 3;

    public UniformTensor {
        Tensors.checkBits(bits);
        if (axis < 0 || axis >= shape.length) {
            throw new IllegalArgumentException("channel axis " + axis + " outside shape of rank " + shape.length);
        }
        if (scales.length != shape[axis] || offsets.length != shape[axis]) {
            throw new IllegalArgumentException(scales.length + " scales and " + offsets.length + " offsets for "
                    + shape[axis] + " channels");
        }
        if (packed.length != Tensors.packedBytes(TensorEncoding.elements(shape), bits)) {
            throw new IllegalArgumentException("packed payload of " + packed.length + " bytes does not fit the shape");
        }
    }

    /** Packs {@code levels} (each in {@code [0, 2^bits)}). */
    public static UniformTensor of(long[] shape, int bits, int axis, float[] scales, float[] offsets, int[] levels) {
        return new UniformTensor(shape, bits, axis, scales, offsets, Tensors.pack(levels, bits));
    }

    /** Channel of element {@code i} of a row-major tensor of {@code shape}, along {@code axis}. */
    public static int channelOf(long i, long[] shape, int axis) {
        long stride = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            stride *= shape[d];
        }
        return (int) ((i / stride) % shape[axis]);
    }

    /** The integer levels. */
    public int[] levels() {
        return Tensors.unpack(packed, bits, Math.toIntExact(TensorEncoding.elements(shape)));
    }

    @Override
    public float[] decode() {
        int[] q = levels();
        float[] out = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            int c = channelOf(i, shape, axis);
            out[i] = offsets[c] + scales[c] * q[i];
        }
        return out;
    }

    @Override
    public long storedBytes() {
        return 1 + Tensors.shapeBytes(shape) + 2 + 8 + 4L * 2 * scales.length + 4 + packed.length;
    }

    @Override
    public String describe() {
        return "uniform-" + bits;
    }

    @Override
    public void write(DataOutput out) throws IOException {
        out.writeByte(KIND);
        Tensors.writeShape(out, shape);
        out.writeByte(bits);
        out.writeByte(axis);
        Tensors.writeFloats(out, scales);
        Tensors.writeFloats(out, offsets);
        Tensors.writeBytes(out, packed);
    }

    static UniformTensor readPayload(DataInput in, long[] shape) throws IOException {
        int bits = in.readUnsignedByte();
        int axis = in.readUnsignedByte();
        if (bits < 1 || bits > 16 || axis >= shape.length) {
            throw new IOException("uniform tensor with bits " + bits + " and axis " + axis + " is invalid");
        }
        float[] scales = Tensors.readFloats(in, shape[axis]);
        float[] offsets = Tensors.readFloats(in, shape[axis]);
        byte[] packed = Tensors.readBytes(in, Tensors.packedBytes(TensorEncoding.elements(shape), bits));
        try {
            return new UniformTensor(shape, bits, axis, scales, offsets, packed);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
