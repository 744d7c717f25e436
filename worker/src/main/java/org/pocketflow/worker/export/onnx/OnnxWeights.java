package org.pocketflow.worker.export.onnx;

import java.util.LinkedHashMap;
import java.util.Map;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.export.TensorEncoding;
import org.pocketflow.worker.export.UniformTensor;

/**
 * Writes parameter tensors as ONNX initialisers. A tensor the packed model stores uniformly
 * quantized at up to 8 bits stays integer: an int8 initialiser behind {@code DequantizeLinear} with
 * per-channel scales (the packed per-channel scales, times the folded batch norm's factor where
 * one was folded in), then an {@code Add} of the per-channel offset, because the packed levels
 * start at an arbitrary offset that is no integer multiple of the scale ({@code w = offset + scale * q}).
 * 8-bit levels are stored as {@code q - 128} with zero point -128. Every other tensor (dense,
 * sparse, codebook, wider than 8 bits, or one whose channels no longer run along one ONNX axis)
 * is written as float values. Mutable: it records how it stored each tensor.
 */
final class OnnxWeights {
    private final OnnxGraph g;
    private final Map<String, TensorEncoding> encodings;
    private final Map<String, String> stored = new LinkedHashMap<>();

    /** @param encodings per DL4J parameter key, how the packed model stores it (may be empty) */
    OnnxWeights(OnnxGraph g, Map<String, TensorEncoding> encodings) {
        this.g = g;
        this.encodings = encodings;
    }

    /**
     * The tensor for parameter {@code key} in ONNX layout.
     *
     * @param values    the values DL4J computes with (batch norm already folded in where {@code fold} is given)
     * @param permute   axis order taking DL4J's layout to ONNX's (before {@code shape}), or null for none
     * @param shape     the ONNX shape
     * @param fold      per channel of the packed encoding's axis, the batch-norm factor folded into
     *                  {@code values}, or null
     */
    String weight(String key, INDArray values, int[] permute, long[] shape, double[] fold) {
        INDArray laid = permute == null ? values : values.permute(permute);
        TensorEncoding e = encodings.get(key);
        if (e instanceof UniformTensor u && u.bits() <= 8 && java.util.Arrays.equals(u.shape(), values.shape())) {
            String q = quantized(key, u, permute, shape, fold);
            if (q != null) {
                return q;
            }
        }
        stored.put(key, "float");
        return g.floats(key, laid.castTo(DataType.FLOAT).dup('c').data().asFloat(), shape);
    }

    /** A float tensor that is no parameter of the packed model (a batch norm's variance, derived from its log form). */
    String floats(String name, float[] values, long... shape) {
        return g.floats(name, values, shape);
    }

    /** Per parameter key, how it was stored: {@code int8 (axis A)} or {@code float}. */
    Map<String, String> stored() {
        return stored;
    }

    private String quantized(String key, UniformTensor u, int[] permute, long[] shape, double[] fold) {
        long n = TensorEncoding.elements(u.shape());
        // source index of every element in ONNX order
        double[] positions = new double[Math.toIntExact(n)];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i;
        }
        INDArray index = Nd4j.create(positions, u.shape(), 'c');
        long[] source = (permute == null ? index : index.permute(permute)).dup('c').data().asLong();
        int axis = channelAxis(u, source, shape);
        if (axis < 0) {
            return null;
        }
        int channels = (int) shape[axis];
        long stride = stride(shape, axis);
        float[] scales = new float[channels];
        float[] offsets = new float[channels];
        boolean offsetsZero = true;
        for (int k = 0; k < channels; k++) {
            int c = UniformTensor.channelOf(source[(int) (k * stride)], u.shape(), u.axis());
            double f = fold == null ? 1 : fold[c];
            scales[k] = (float) (u.scales()[c] * f);
            offsets[k] = (float) (u.offsets()[c] * f);
            offsetsZero &= offsets[k] == 0f;
        }
        int shift = u.bits() == 8 ? 128 : 0;
        int[] levels = u.levels();
        byte[] data = new byte[levels.length];
        for (int j = 0; j < data.length; j++) {
            data[j] = (byte) (levels[(int) source[j]] - shift);
        }
        byte[] zero = new byte[channels];
        java.util.Arrays.fill(zero, (byte) -shift);
        String x = g.int8s(key + "_int8", data, shape);
        String scale = g.floats(key + "_scale", scales, channels);
        String zp = g.int8s(key + "_zero", zero, channels);
        String dq = g.node("DequantizeLinear", offsetsZero ? key : key + "_dq", new String[]{x, scale, zp},
                OnnxGraph.integer("axis", axis));
        stored.put(key, "int8 (axis " + axis + ")");
        if (offsetsZero) {
            return dq;
        }
        long[] offsetShape = new long[shape.length];
        java.util.Arrays.fill(offsetShape, 1);
        offsetShape[axis] = channels;
        return g.node("Add", key, new String[]{dq, g.floats(key + "_offset", offsets, offsetShape)});
    }

    /**
     * The ONNX axis along which each index holds elements of one packed channel only, or -1.
     * Depthwise weights change layout on export, so the packed channel axis moves.
     */
    private static int channelAxis(UniformTensor u, long[] source, long[] shape) {
        for (int a = 0; a < shape.length; a++) {
            long stride = stride(shape, a);
            boolean ok = true;
            for (int j = 0; j < source.length && ok; j++) {
                int k = (int) ((j / stride) % shape[a]);
                ok = UniformTensor.channelOf(source[j], u.shape(), u.axis())
                        == UniformTensor.channelOf(source[(int) (k * stride)], u.shape(), u.axis());
            }
            if (ok) {
                return a;
            }
        }
        return -1;
    }

    private static long stride(long[] shape, int axis) {
        long s = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            s *= shape[d];
        }
        return s;
    }
}
