package org.pocketflow.qsgd.nd4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;

/**
 * Encodes and decodes {@code INDArray} gradients (e.g. DL4J's flattened gradient view) through
 * the {@code float[]} core, in C order. Each call copies once between the off-heap buffer and a
 * Java array.
 */
public final class NdArrayGradients {

    private NdArrayGradients() {
    }

    /** The elements of {@code a} in C order as a new float array. */
    public static float[] toFloats(INDArray a) {
        INDArray c = a;
        if (c.dataType() != DataType.FLOAT) {
            c = c.castTo(DataType.FLOAT);
        }
        if (c.isView() || c.ordering() != 'c' || c.data().length() != c.length()) {
            c = c.dup('c');
        }
        return c.data().asFloat();
    }

    /** Encodes {@code gradient} with {@code encoder} (which updates its residual). */
    public static EncodedGradient encode(GradientEncoder encoder, INDArray gradient) {
        return encoder.encode(toFloats(gradient));
    }

    /** Decodes {@code message} into {@code target}, overwriting it; shapes are matched in C order. */
    public static void decode(GradientCodec codec, EncodedGradient message, INDArray target) {
        target.assign(decoded(codec, message, target));
    }

    /** Adds the decoded {@code message} to {@code accumulator}. */
    public static void decodeAdd(GradientCodec codec, EncodedGradient message, INDArray accumulator) {
        accumulator.addi(decoded(codec, message, accumulator));
    }

    private static INDArray decoded(GradientCodec codec, EncodedGradient message, INDArray like) {
        if (like.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("arrays beyond 2^31 elements are not supported, got " + like.length());
        }
        float[] out = new float[(int) like.length()];
        codec.decode(message, out);
        return Nd4j.createFromArray(out).reshape('c', like.shape()).castTo(like.dataType());
    }
}
