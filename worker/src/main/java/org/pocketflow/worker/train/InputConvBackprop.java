package org.pocketflow.worker.train;

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
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The backward pass of a convolution that reads the network's input: only the weight and bias
 * gradients, which is all training needs there. DL4J 1.0.0-M2 computes the input's gradient too
 * (libnd4j's {@code conv2d_bp} has no way to leave it out), and for a first layer with one input
 * channel, like LeNet's, oneDNN's backward is the largest op of a step.
 *
 * <p>Installed by {@link #install} on convolution layers fed by a graph input that use DL4J's
 * oneDNN helper ({@link MKLDNNConvHelper}), wrapping it: the forward pass stays DL4J's. The weight
 * gradient is the product of the output gradient with the input's patches (im2col): for each
 * image, {@code dW[o, (c,ky,kx)] = Σ_pixels dy[o, pixel] · patch[(c,ky,kx), pixel]}, summed over
 * the batch; the bias gradient is {@code dy} summed over batch and pixels. The input gradient
 * handed back is zeros (nothing consumes a network input's gradient in training). Channels-last
 * layers, dilation and data types other than float go to the wrapped helper.
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
     * The largest im2col buffer this helper makes; above it (an ImageNet stem at a large batch: 7x7
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
        if (format != CNN2DFormat.NCHW || dilation[0] != 1 || dilation[1] != 1 || input.rank() != 4
                || input.dataType() != DataType.FLOAT || delta.dataType() != DataType.FLOAT
                || columnBytes(input, delta, kernel) > MAX_COLUMN_BYTES) {
            return stock.backpropGradient(input, weights, bias, delta, kernel, strides, pad, biasGradView,
                    weightGradView, afn, mode, bwdFilterAlgo, bwdDataAlgo, convolutionMode, dilation, format,
                    workspaceMgr);
        }
        long n = input.size(0);
        long c = input.size(1);
        long outC = delta.size(1);
        long outH = delta.size(2);
        long outW = delta.size(3);
        long patch = c * kernel[0] * kernel[1];
        long pixels = outH * outW;
        INDArray cols = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT,
                new long[]{n, c, kernel[0], kernel[1], outH, outW}, 'c');
        Convolution.im2col(input, kernel[0], kernel[1], strides[0], strides[1], pad[0], pad[1], 1, 1,
                convolutionMode == ConvolutionMode.Same, cols);
        INDArray dy = delta.reshape('c', n, outC, pixels);
        INDArray perImage = Nd4j.matmul(dy, cols.reshape('c', n, patch, pixels), false, true, false);
        weightGradView.assign(perImage.sum(0).reshape('c', weightGradView.shape()));
        Gradient g = new DefaultGradient();
        if (bias != null && biasGradView != null) {
            biasGradView.assign(delta.sum(0, 2, 3).reshape('c', biasGradView.shape()));
            g.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
        }
        g.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
        INDArray inputGrad = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
        return new Pair<>(g, inputGrad);
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return stock.helperMemoryUse();
    }
}
