package org.pocketflow.worker.learn.prune;

import java.util.Arrays;

import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Slices one parameter array of one layer along the channel dimensions DL4J 1.0.0-M2 stores:
 * convolution {@code W [out, in, kh, kw]}, dense {@code W [in, out]}, depthwise
 * {@code W [kh, kw, channels, multiplier]}, biases and all batch-norm arrays ({@code gamma},
 * {@code beta}, {@code mean}, {@code var} or {@code log10stdev}) {@code [1, channels]}.
 */
final class ParameterSlicer {
    private ParameterSlicer() {
    }

    /** Whether {@code layer} is one of the layer classes whose parameters this class can slice. */
    static boolean isProducer(Layer layer) {
        return layer.getClass() == ConvolutionLayer.class || isDense(layer);
    }

    static boolean isDense(Layer layer) {
        return layer.getClass() == DenseLayer.class || layer.getClass() == OutputLayer.class;
    }

    /** {@code value} (parameter {@code key} of {@code layer}) with the channels {@code cut} removes taken out. */
    static INDArray slice(String name, Layer layer, String key, INDArray value, LayerCut cut) {
        boolean bias = "b".equals(key);
        if (layer instanceof BatchNormalization) {
            return take(name, key, value, 1, cut.out());
        }
        if (layer instanceof DepthwiseConvolution2D) {
            return take(name, key, value, bias ? 1 : 2, cut.out());
        }
        if (layer.getClass() == ConvolutionLayer.class) {
            return bias ? take(name, key, value, 1, cut.out())
                    : take(name, key, take(name, key, value, 0, cut.out()), 1, cut.in());
        }
        if (isDense(layer)) {
            return bias ? take(name, key, value, 1, cut.out())
                    : take(name, key, take(name, key, value, 1, cut.out()), 0, cut.in() == null ? null : cut.inputRows());
        }
        throw new IllegalStateException("cannot slice parameter " + key + " of layer " + name + " ("
                + layer.getClass().getSimpleName() + ")");
    }

    /** The entries of {@code a} whose index along {@code dim} is in {@code keep} (all when null), in order. */
    static INDArray take(String name, String key, INDArray a, int dim, int[] keep) {
        if (keep == null) {
            return a;
        }
        long[] shape = a.shape();
        if (dim >= shape.length) {
            throw new IllegalStateException("parameter " + key + " of layer " + name + " has shape "
                    + Arrays.toString(shape) + ", expected a channel dimension " + dim);
        }
        int size = (int) shape[dim];
        if (keep[keep.length - 1] >= size) {
            throw new IllegalStateException("parameter " + key + " of layer " + name + " has " + size
                    + " channels along dimension " + dim + " but the keep list reaches " + keep[keep.length - 1]
                    + "; the ModelInfo passed in does not describe this graph");
        }
        long outer = 1;
        for (int d = 0; d < dim; d++) {
            outer *= shape[d];
        }
        long inner = 1;
        for (int d = dim + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        double[] src = a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double[] dst = new double[Math.toIntExact(outer * keep.length * inner)];
        int k = 0;
        for (long o = 0; o < outer; o++) {
            for (int c : keep) {
                long from = (o * size + c) * inner;
                System.arraycopy(src, (int) from, dst, k, (int) inner);
                k += (int) inner;
            }
        }
        long[] newShape = shape.clone();
        newShape[dim] = keep.length;
        return Nd4j.create(dst, newShape, 'c').castTo(a.dataType());
    }
}
