package org.pocketflow.worker.export;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A tensor stored as fp32 values: biases, batch-norm statistics and anything a learner left
 * uncompressed. Written as byte planes (kind 6, see {@code Tensors.writeFloatPlanes}) so that
 * the file's deflate shrinks them further; kind 1, the values in order, is still read.
 *
 * @param shape  tensor shape
 * @param values row-major values
 */
public record DenseTensor(long[] shape, float[] values) implements TensorEncoding {
    static final int KIND = 1;
    static final int PLANES_KIND = 6;

    public DenseTensor {
        if (values.length != TensorEncoding.elements(shape)) {
            throw new IllegalArgumentException(values.length + " values for shape " + java.util.Arrays.toString(shape));
        }
    }

    @Override
    public float[] decode() {
        return values.clone();
    }

    @Override
    public long storedBytes() {
        return 1 + Tensors.shapeBytes(shape) + 4 + 4L * values.length;
    }

    @Override
    public String describe() {
        return "dense";
    }

    @Override
    public void write(DataOutput out) throws IOException {
        out.writeByte(PLANES_KIND);
        Tensors.writeShape(out, shape);
        Tensors.writeFloatPlanes(out, values);
    }

    static DenseTensor readPayload(DataInput in, long[] shape, boolean planes) throws IOException {
        long n = TensorEncoding.elements(shape);
        float[] v = planes ? Tensors.readFloatPlanes(in, n) : Tensors.readFloats(in, n);
        if (v.length != n) {
            throw new IOException("dense tensor has " + v.length + " values, its shape needs " + n);
        }
        return new DenseTensor(shape, v);
    }
}
