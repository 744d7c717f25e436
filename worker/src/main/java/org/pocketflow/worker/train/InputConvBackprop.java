package org.pocketflow.worker.train;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The backward pass of a convolution that reads the network's input: only the weight and bias
 * gradients, which is all training needs there. DL4J 1.0.0-M2 computes the input's gradient too
 * (libnd4j's {@code conv2d_bp} has no way to leave it out), and for a first layer with one input
 * channel, like LeNet's, oneDNN's backward is the largest op of a step.
 *
 * <p>Installed by {@link #install} on convolution layers fed by a graph input that use DL4J's
 * oneDNN helper ({@link MKLDNNConvHelper}), wrapping it: the forward pass stays DL4J's. The output
 * gradient is copied to one row per channel, images side by side ({@link #channelRows}, which sums
 * the bias gradient on the way); the weight gradient
 * {@code dW[o, c, ky, kx] = Σ_(image, oy, ox) dy[image, o, oy, ox] · x[image, c, oy·s + ky - pad, ox·s + kx - pad]}
 * is then a forward convolution that oneDNN runs: the input with its images as channels, convolved
 * with those rows as a kernel dilated by the stride. Where "same" padding is uneven (more at the
 * bottom or right) that convolution would miss the last kernel row or column, and the weight
 * gradient is one matrix product over the whole batch instead (OpenBLAS through {@code Nd4j.gemm})
 * with the input's patches written as rows in plain Java ({@link #im2row}). On one thread, LeNet's
 * first layer at batch 32, the convolution takes about 0.6 ms, the matrix product path 1.4 ms,
 * libnd4j's im2col, batched matmul and strided {@code sum(0, 2, 3)} as this class first used them
 * 2.6 ms. The input gradient
 * handed back is zeros (nothing consumes a network input's gradient in training). Channels-last
 * layers, dilation, data types other than float and arrays of more than 2^31 values go to the
 * wrapped helper.
 */
public final class InputConvBackprop implements ConvolutionHelper {
    private static final LayerHelperField<ConvolutionLayer, ConvolutionHelper> HELPER =
            new LayerHelperField<>(ConvolutionLayer.class, ConvolutionHelper.class);

    private final MKLDNNConvHelper stock;

    /** This backward pass around DL4J's oneDNN helper {@code stock}, which keeps the forward pass. */
    public InputConvBackprop(MKLDNNConvHelper stock) {
        this.stock = stock;
    }

    /**
     * Gives every plain convolution layer of {@code graph} whose inputs are all graph inputs, and
     * that uses DL4J's oneDNN helper, this backward pass. Layers are created with the graph, so
     * call it again on a rebuilt or cloned graph.
     *
     * @return how many layers now use it
     */
    public static int install(ComputationGraph graph) {
        List<String> inputs = graph.getConfiguration().getNetworkInputs();
        int n = 0;
        for (Map.Entry<String, List<String>> e : graph.getConfiguration().getVertexInputs().entrySet()) {
            if (!inputs.containsAll(e.getValue()) || !graph.getVertex(e.getKey()).hasLayer()) {
                continue;
            }
            Layer layer = graph.getVertex(e.getKey()).getLayer();
            if (layer.getClass() == ConvolutionLayer.class) {
                ConvolutionLayer conv = (ConvolutionLayer) layer;
                if (conv.getHelper() instanceof MKLDNNConvHelper stock) {
                    HELPER.set(conv, new InputConvBackprop(stock));
                }
                n += conv.getHelper() instanceof InputConvBackprop ? 1 : 0;
            }
        }
        return n;
    }

    /** Whether any layer of {@code graph} uses this pass. */
    static boolean usedBy(ComputationGraph graph) {
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof ConvolutionLayer l && l.getHelper() instanceof InputConvBackprop) {
                return true;
            }
        }
        return false;
    }

    /** Puts DL4J's oneDNN helper back on every layer that has this one (for comparisons). */
    public static void uninstall(ComputationGraph graph) {
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof ConvolutionLayer conv && conv.getHelper() instanceof InputConvBackprop mine) {
                HELPER.set(conv, mine.stock);
            }
        }
    }

    /**
     * The largest im2col buffer the matrix-product path makes; above it (an ImageNet stem at a large batch: 7x7
     * kernels over 112x112 outputs are 470 MB at batch 64) DL4J's own backward, which needs no such
     * buffer, runs instead, so the saving never costs memory a stock step would not have used.
     */
    static final long MAX_COLUMN_BYTES = 64L << 20;

    /** Bytes of the im2col buffer for {@code input}: n x c x kh x kw x outH x outW floats. */
    static long columnBytes(INDArray input, INDArray delta, int[] kernel) {
        return 4L * input.size(0) * input.size(1) * kernel[0] * kernel[1] * delta.size(2) * delta.size(3);
    }

    @Override
    public boolean checkSupported() {
        return stock.checkSupported();
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                              org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode mode,
                              org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo fwdAlgo,
                              ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        return stock.preOutput(input, weights, bias, kernel, strides, pad, mode, fwdAlgo, convolutionMode, dilation,
                format, workspaceMgr);
    }

    @Override
    public INDArray activate(INDArray z, IActivation afn, boolean training) {
        return stock.activate(z, afn, training);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
                                                     int[] kernel, int[] strides, int[] pad, INDArray biasGradView,
                                                     INDArray weightGradView, IActivation afn,
                                                     org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode mode,
                                                     org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo bwdFilterAlgo,
                                                     org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo bwdDataAlgo,
                                                     ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
                                                     LayerWorkspaceMgr workspaceMgr) {
        int h = input.rank() == 4 ? (int) input.size(2) : 0;
        int w = input.rank() == 4 ? (int) input.size(3) : 0;
        int outH = (int) delta.size(2);
        int outW = (int) delta.size(3);
        int reachH = reach(h, pad[0], strides[0], outH);
        int reachW = reach(w, pad[1], strides[1], outW);
        boolean asConvolution = reachH >= kernel[0] && reachW >= kernel[1];
        if (format != CNN2DFormat.NCHW || dilation[0] != 1 || dilation[1] != 1 || input.rank() != 4
                || input.dataType() != DataType.FLOAT || delta.dataType() != DataType.FLOAT
                || input.length() > Integer.MAX_VALUE || delta.length() > Integer.MAX_VALUE
                || !asConvolution && columnBytes(input, delta, kernel) > MAX_COLUMN_BYTES) {
            return stock.backpropGradient(input, weights, bias, delta, kernel, strides, pad, biasGradView,
                    weightGradView, afn, mode, bwdFilterAlgo, bwdDataAlgo, convolutionMode, dilation, format,
                    workspaceMgr);
        }
        int n = (int) input.size(0);
        int c = (int) input.size(1);
        int outC = (int) delta.size(1);
        int pixels = outH * outW;
        INDArray dy = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT,
                new long[]{outC, (long) n * pixels}, 'c');
        float[] biasGrad = channelRows(BatchNormBackprop.floats(delta), n, outC, pixels, dy.data().asNioFloat());
        if (asConvolution) {
            // dW[o, ci, ky, kx] = Σ_(image, oy, ox) dy[image, o, oy, ox] · x[image, ci, oy·s + ky - pad, ox·s + kx - pad]:
            // a convolution of the input with images as channels by the output gradient as its kernel
            // (dilated by the stride), which oneDNN runs as a forward convolution
            INDArray images = c == 1 ? input.reshape('c', 1, n, h, w) : input.permute(1, 0, 2, 3).dup('c');
            INDArray out = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT,
                    new long[]{c, outC, reachH, reachW}, 'c');
            Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(images, dy.reshape('c', outC, n, outH, outW))
                    .addOutputs(out).addIntegerArguments(outH, outW, 1, 1, pad[0], pad[1], strides[0], strides[1],
                            0, 0, 1).build());
            weightGradView.assign(out.permute(1, 0, 2, 3).get(NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.interval(0, kernel[0]), NDArrayIndex.interval(0, kernel[1])));
        } else {
            // the input's patches as rows of a [patch, n·pixels] matrix: the weight gradient is one
            // matrix product over the whole batch
            INDArray cols = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT,
                    new long[]{(long) c * kernel[0] * kernel[1], (long) n * pixels}, 'c');
            im2row(BatchNormBackprop.floats(input), new int[]{n, c, h, w}, kernel, strides, pad, outH, outW,
                    cols.data().asNioFloat());
            weightGradView.assign(Nd4j.gemm(dy, cols, false, true).reshape('c', weightGradView.shape()));
        }
        Gradient g = new DefaultGradient();
        if (bias != null && biasGradView != null) {
            biasGradView.assign(Nd4j.createFromArray(biasGrad).reshape('c', biasGradView.shape()));
            g.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
        }
        g.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
        INDArray inputGrad = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
        return new Pair<>(g, inputGrad);
    }

    /**
     * How many kernel positions the output gradient, as a kernel dilated by {@code stride}, can take
     * along an input axis of {@code size} padded by {@code pad} on both sides: at least the kernel
     * size when the padding is even (more when the stride leaves input unread at the end), one less
     * when "same" padding puts more at the bottom or right than at the top or left.
     */
    static int reach(int size, int pad, int stride, int out) {
        return size + 2 * pad - stride * (out - 1);
    }

    /**
     * Writes the patches of NCHW {@code x} ({@code shape}) as rows: row {@code (ci·kh + ky)·kw + kx}
     * holds, image by image and output pixel by output pixel, the input value under kernel position
     * {@code (ky, kx)} of channel {@code ci}, zero in the padding. {@code pad} is the top and left
     * padding; the output size fixes the bottom and right.
     */
    static void im2row(FloatBuffer x, int[] shape, int[] kernel, int[] strides, int[] pad, int outH, int outW,
                       FloatBuffer rows) {
        int n = shape[0];
        int c = shape[1];
        int h = shape[2];
        int w = shape[3];
        int plane = h * w;
        float[] in = new float[n * c * plane];
        x.get(0, in);
        int pixels = outH * outW;
        float[] row = new float[n * pixels];
        int r = 0;
        for (int ci = 0; ci < c; ci++) {
            for (int ky = 0; ky < kernel[0]; ky++) {
                for (int kx = 0; kx < kernel[1]; kx++) {
                    for (int img = 0; img < n; img++) {
                        int src = (img * c + ci) * plane;
                        int dst = img * pixels;
                        for (int oy = 0; oy < outH; oy++) {
                            int iy = oy * strides[0] - pad[0] + ky;
                            int at = dst + oy * outW;
                            if (iy < 0 || iy >= h) {
                                java.util.Arrays.fill(row, at, at + outW, 0f);
                                continue;
                            }
                            int base = src + iy * w - pad[1] + kx;
                            for (int ox = 0; ox < outW; ox++) {
                                int ix = ox * strides[1] - pad[1] + kx;
                                row[at + ox] = ix >= 0 && ix < w ? in[base + ox * strides[1]] : 0f;
                            }
                        }
                    }
                    rows.put(r * row.length, row);
                    r++;
                }
            }
        }
    }

    /**
     * Copies NCHW {@code dy} ({@code n} images of {@code c} planes of {@code pixels}) into {@code rows}
     * as one row per channel, images side by side; returns each channel's sum (the bias gradient).
     */
    static float[] channelRows(FloatBuffer dy, int n, int c, int pixels, FloatBuffer rows) {
        float[] plane = new float[pixels];
        double[] sums = new double[c];
        for (int img = 0; img < n; img++) {
            for (int ch = 0; ch < c; ch++) {
                dy.get((img * c + ch) * pixels, plane, 0, pixels);
                rows.put((ch * n + img) * pixels, plane, 0, pixels);
                float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
                int k = 0;
                for (; k + 4 <= pixels; k += 4) {
                    a0 += plane[k];
                    a1 += plane[k + 1];
                    a2 += plane[k + 2];
                    a3 += plane[k + 3];
                }
                for (; k < pixels; k++) {
                    a0 += plane[k];
                }
                sums[ch] += (a0 + a1) + (a2 + a3);
            }
        }
        float[] out = new float[c];
        for (int ch = 0; ch < c; ch++) {
            out[ch] = (float) sums[ch];
        }
        return out;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return stock.helperMemoryUse();
    }
}
