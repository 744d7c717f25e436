package org.pocketflow.worker.export.onnx;

import java.util.Map;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution2D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One DL4J layer as ONNX nodes, in inference mode (dropout is the identity). Convolutions and
 * pooling get explicit pads computed from the input size: DL4J's {@code Same} mode puts the odd
 * padding pixel at the bottom and right, as ONNX's {@code SAME_UPPER} does, and {@code Truncate}
 * pads symmetrically. Weights go through {@link OnnxWeights}. Mutable only through the graph it writes.
 */
final class LayerNodes {
    private final OnnxGraph g;
    private final OnnxWeights weights;
    private final Map<String, double[]> folds;

    /** @param folds per convolution whose batch norm was folded in, the per-channel factor */
    LayerNodes(OnnxGraph g, OnnxWeights weights, Map<String, double[]> folds) {
        this.g = g;
        this.weights = weights;
        this.folds = folds;
    }

    /**
     * Nodes computing layer {@code name} on tensor {@code x} of type {@code in} (after any
     * preprocessor); returns the output tensor.
     */
    String layer(String name, Layer conf, org.deeplearning4j.nn.api.Layer params, String x, InputType in) {
        String y;
        if (conf instanceof SeparableConvolution2D c) {
            y = separable(name, c, params, x, in);
        } else if (conf instanceof DepthwiseConvolution2D c) {
            y = depthwise(name, c, params, x, in);
        } else if (conf.getClass() == ConvolutionLayer.class || conf.getClass() == Convolution2D.class) {
            ConvolutionLayer c = (ConvolutionLayer) conf;
            INDArray w = params.getParam("W");
            y = conv(name, c, in, x, weights.weight(name + "_W", w, null, w.shape(), folds.get(name)), 1,
                    bias(name, params));
        } else if (conf.getClass() == SubsamplingLayer.class) {
            y = pool(name, (SubsamplingLayer) conf, x, in);
        } else if (conf instanceof BatchNormalization b) {
            y = batchNorm(name, b, params, x);
        } else if (conf instanceof OutputLayer || conf.getClass() == DenseLayer.class) {
            INDArray w = params.getParam("W");
            String[] inputs = params.paramTable().containsKey("b")
                    ? new String[]{x, weights.weight(name + "_W", w, null, w.shape(), null), bias(name, params)}
                    : new String[]{x, weights.weight(name + "_W", w, null, w.shape(), null)};
            y = g.node("Gemm", name + "_gemm", inputs);
        } else if (conf instanceof ActivationLayer || conf instanceof DropoutLayer || conf instanceof LossLayer) {
            y = x; // a loss layer computes its activation alone (an all-convolutional classifier's softmax)
        } else if (conf instanceof GlobalPoolingLayer p) {
            y = globalPool(name, p, x, in);
        } else if (conf instanceof ZeroPaddingLayer p) {
            requireNchw(name, p.getDataFormat());
            int[] pad = p.getPadding(); // top, bottom, left, right
            y = g.node("Pad", name + "_pad", new String[]{x,
                    g.int64s(name + "_pads", new long[]{0, 0, pad[0], pad[2], 0, 0, pad[1], pad[3]}, 8)});
        } else {
            throw new UnsupportedLayerException(name, "layer type " + conf.getClass().getSimpleName());
        }
        // DL4J's batch norm and dropout layers carry the network's default activation but never apply it
        if (conf instanceof ActivationLayer a) {
            return OnnxActivations.apply(g, a.getActivationFn(), y, name);
        }
        boolean activates = conf instanceof ConvolutionLayer || conf instanceof DenseLayer || conf instanceof OutputLayer
                || conf instanceof LossLayer;
        return activates ? OnnxActivations.apply(g, ((BaseLayer) conf).getActivationFn(), y, name) : y;
    }

    private String depthwise(String name, DepthwiseConvolution2D c, org.deeplearning4j.nn.api.Layer params, String x,
                             InputType in) {
        INDArray w = params.getParam("W"); // [kh, kw, in, mult]; output channel i * mult + m
        long[] s = w.shape();
        String wt = weights.weight(name + "_W", w, new int[]{2, 3, 0, 1}, new long[]{s[2] * s[3], 1, s[0], s[1]},
                null);
        return conv(name, c, in, x, wt, s[2], bias(name, params));
    }

    private String separable(String name, SeparableConvolution2D c, org.deeplearning4j.nn.api.Layer params, String x,
                             InputType in) {
        INDArray w = params.getParam("W"); // depthwise [mult, in, kh, kw]; output channel i * mult + m
        long[] s = w.shape();
        String dw = weights.weight(name + "_W", w, new int[]{1, 0, 2, 3}, new long[]{s[1] * s[0], 1, s[2], s[3]},
                null);
        String depth = conv(name, c, in, x, dw, s[1], null);
        INDArray pw = params.getParam("pW");
        String[] inputs = params.paramTable().containsKey("b")
                ? new String[]{depth, weights.weight(name + "_pW", pw, null, pw.shape(), null), bias(name, params)}
                : new String[]{depth, weights.weight(name + "_pW", pw, null, pw.shape(), null)};
        return g.node("Conv", name + "_pointwise", inputs, OnnxGraph.ints("kernel_shape", 1, 1));
    }

    private String conv(String name, ConvolutionLayer c, InputType in, String x, String w, long group, String b) {
        requireNchw(name, c.getCnn2dDataFormat());
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] d = c.getDilation();
        long[] pads = pads(name, c.getConvolutionMode(), in, k, s, d, c.getPadding());
        String[] inputs = b == null ? new String[]{x, w} : new String[]{x, w, b};
        return g.node("Conv", name + "_conv", inputs, OnnxGraph.ints("kernel_shape", k[0], k[1]),
                OnnxGraph.ints("strides", s[0], s[1]), OnnxGraph.ints("dilations", d[0], d[1]),
                OnnxGraph.ints("pads", pads), OnnxGraph.integer("group", group));
    }

    private String pool(String name, SubsamplingLayer p, String x, InputType in) {
        requireNchw(name, p.getCnn2dDataFormat());
        int[] k = p.getKernelSize();
        int[] s = p.getStride();
        int[] d = p.getDilation();
        long[] pads = pads(name, p.getConvolutionMode(), in, k, s, d, p.getPadding());
        if (p.getPoolingType() == PoolingType.MAX) {
            return g.node("MaxPool", name + "_maxpool", new String[]{x}, OnnxGraph.ints("kernel_shape", k[0], k[1]),
                    OnnxGraph.ints("strides", s[0], s[1]), OnnxGraph.ints("dilations", d[0], d[1]),
                    OnnxGraph.ints("pads", pads));
        }
        if (p.getPoolingType() == PoolingType.AVG && d[0] == 1 && d[1] == 1) {
            return g.node("AveragePool", name + "_avgpool", new String[]{x},
                    OnnxGraph.ints("kernel_shape", k[0], k[1]), OnnxGraph.ints("strides", s[0], s[1]),
                    OnnxGraph.ints("pads", pads),
                    OnnxGraph.integer("count_include_pad", p.isAvgPoolIncludePadInDivisor() ? 1 : 0));
        }
        throw new UnsupportedLayerException(name, p.getPoolingType() + " pooling with dilation " + d[0] + "x" + d[1]);
    }

    private String globalPool(String name, GlobalPoolingLayer p, String x, InputType in) {
        if (!(in instanceof InputType.InputTypeConvolutional)) {
            throw new UnsupportedLayerException(name, "global pooling of a " + in.getType() + " input");
        }
        String op = switch (p.getPoolingType()) {
            case AVG -> "GlobalAveragePool";
            case MAX -> "GlobalMaxPool";
            default -> throw new UnsupportedLayerException(name, p.getPoolingType() + " global pooling");
        };
        String pooled = g.node(op, name + "_pool", new String[]{x});
        return p.isCollapseDimensions()
                ? g.node("Flatten", name + "_flatten", new String[]{pooled}, OnnxGraph.integer("axis", 1)) : pooled;
    }

    private String batchNorm(String name, BatchNormalization b, org.deeplearning4j.nn.api.Layer params, String x) {
        if (b.getCnn2DFormat() != CNN2DFormat.NCHW) {
            throw new UnsupportedLayerException(name, "batch normalisation in " + b.getCnn2DFormat() + " layout");
        }
        INDArray mean = params.getParam("mean").castTo(DataType.DOUBLE).reshape(-1);
        long n = mean.length();
        // DL4J's default stores log10(stdev); inference uses sqrt(10^(2 l) + eps), so var = 10^(2 l)
        INDArray var = params.paramTable().containsKey("log10stdev")
                ? Transforms.pow(Transforms.pow(Nd4j.valueArrayOf(mean.shape(), 10.0, DataType.DOUBLE),
                        params.getParam("log10stdev").castTo(DataType.DOUBLE).reshape(-1)), 2)
                : params.getParam("var").castTo(DataType.DOUBLE).reshape(-1);
        INDArray gamma = params.paramTable().containsKey("gamma") ? params.getParam("gamma").reshape(-1)
                : Nd4j.valueArrayOf(new long[]{n}, b.getGamma(), DataType.DOUBLE);
        INDArray beta = params.paramTable().containsKey("beta") ? params.getParam("beta").reshape(-1)
                : Nd4j.valueArrayOf(new long[]{n}, b.getBeta(), DataType.DOUBLE);
        return g.node("BatchNormalization", name + "_bn", new String[]{x,
                weights.floats(name + "_gamma", floats(gamma), n), weights.floats(name + "_beta", floats(beta), n),
                weights.floats(name + "_mean", floats(mean), n), weights.floats(name + "_var", floats(var), n)},
                OnnxGraph.real("epsilon", b.getEps()));
    }

    private String bias(String name, org.deeplearning4j.nn.api.Layer params) {
        INDArray b = params.paramTable().get("b");
        return b == null ? null : weights.weight(name + "_b", b, null, new long[]{b.length()}, null);
    }

    private static float[] floats(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    /** ONNX pads {@code [top, left, bottom, right]} for a window over {@code in}. */
    private static long[] pads(String name, ConvolutionMode mode, InputType in, int[] k, int[] s, int[] d, int[] p) {
        if (mode == ConvolutionMode.Same) {
            InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) in;
            long[] size = {c.getHeight(), c.getWidth()};
            long[] out = new long[4];
            for (int i = 0; i < 2; i++) {
                long outSize = (size[i] + s[i] - 1) / s[i];
                long total = Math.max(0, (outSize - 1) * s[i] + (long) (k[i] - 1) * d[i] + 1 - size[i]);
                out[i] = total / 2;
                out[i + 2] = total - total / 2;
            }
            return out;
        }
        if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) {
            return new long[]{p[0], p[1], p[0], p[1]};
        }
        throw new UnsupportedLayerException(name, "convolution mode " + mode);
    }

    private static void requireNchw(String name, CNN2DFormat format) {
        if (format != null && format != CNN2DFormat.NCHW) {
            throw new UnsupportedLayerException(name, "data format " + format);
        }
    }
}
