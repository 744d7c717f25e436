package org.pocketflow.worker.export;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A tensor stored as fp32 values: biases, batch-norm statistics and anything a learner left
 * uncompressed.
 *
 * @param shape  tensor shape
 * @param values row-major values
 */
public record DenseTensor(long[] shape, float[] values) implements TensorEncoding {
    static final int KIND = 1;

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
        out.writeByte(KIND);
        Tensors.writeShape(out, shape);
        Tensors.writeFloats(out, values);
    }

    static DenseTensor readPayload(DataInput in, long[] shape) throws IOException {
        long n = TensorEncoding.elements(shape);
        float[] v = Tensors.readFloats(in, n);
        if (v.length != n) {
            throw new IOException("dense tensor has " + v.length + " values, its shape needs " + n);
        }
        return new DenseTensor(shape, v);
    }
}
