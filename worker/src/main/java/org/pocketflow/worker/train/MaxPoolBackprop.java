package org.pocketflow.worker.train;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Max pooling's backward pass in plain Java for windows that tile the input (kernel equal to stride,
 * no padding or dilation, channels first, float): each window's gradient goes to the first position
 * of its largest input, in row order, as DL4J's oneDNN {@code maxpool2d_bp} routes it, and every other
 * position gets zero; the gradients are DL4J's bit for bit. DL4J's runs oneDNN's pooling forward again
 * to find the positions: LeNet's two pooling layers took 0.42 ms of backward at batch 32 against
 * PyTorch's 0.11 (docs/SPEED.md).
 *
 * <p>Installed by {@link #install} on max-pooling layers that use DL4J's oneDNN helper
 * ({@link MKLDNNSubsamplingHelper}), wrapping it: the forward pass and every other case stay DL4J's.
 */
public final class MaxPoolBackprop implements SubsamplingHelper {
    private static final LayerHelperField<SubsamplingLayer, SubsamplingHelper> HELPER =
            new LayerHelperField<>(SubsamplingLayer.class, SubsamplingHelper.class);

    private final MKLDNNSubsamplingHelper stock;

    /** This backward pass around DL4J's oneDNN helper {@code stock}, which keeps the forward pass. */
    MaxPoolBackprop(MKLDNNSubsamplingHelper stock) {
        this.stock = stock;
    }

    /**
     * Gives every pooling layer of {@code graph} that uses DL4J's oneDNN helper this backward pass.
     * Layers are created with the graph, so call it again on a rebuilt or cloned graph.
     *
     * @return how many layers now use it
     */
    public static int install(ComputationGraph graph) {
        int n = 0;
        for (Layer layer : graph.getLayers()) {
            if (layer.getClass() == SubsamplingLayer.class) {
                SubsamplingLayer pool = (SubsamplingLayer) layer;
                if (pool.getHelper() instanceof MKLDNNSubsamplingHelper stock) {
                    HELPER.set(pool, new MaxPoolBackprop(stock));
                }
                n += pool.getHelper() instanceof MaxPoolBackprop ? 1 : 0;
            }
        }
        return n;
    }

    /** Whether any layer of {@code graph} uses this pass. */
    static boolean usedBy(ComputationGraph graph) {
        return Arrays.stream(graph.getLayers())
                .anyMatch(l -> l instanceof SubsamplingLayer s && s.getHelper() instanceof MaxPoolBackprop);
    }

    /** Puts DL4J's oneDNN helper back on every layer that has this one (for comparisons). */
    public static void uninstall(ComputationGraph graph) {
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof SubsamplingLayer pool && pool.getHelper() instanceof MaxPoolBackprop mine) {
                HELPER.set(pool, mine.stock);
            }
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, int[] kernel, int[] strides,
                                                     int[] pad, PoolingType poolingType,
                                                     ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!covers(input, epsilon, kernel, strides, pad, poolingType, convolutionMode, dilation, format)) {
            return stock.backpropGradient(input, epsilon, kernel, strides, pad, poolingType, convolutionMode,
                    dilation, format, workspaceMgr);
        }
        INDArray grad = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        if (!BatchNormBackprop.plain(grad)) {
            return stock.backpropGradient(input, epsilon, kernel, strides, pad, poolingType, convolutionMode,
                    dilation, format, workspaceMgr);
        }
        backward(input.data().asNioFloat(), epsilon.data().asNioFloat(), grad.data().asNioFloat(),
                (int) (input.size(0) * input.size(1)), (int) input.size(2), (int) input.size(3), kernel[0], kernel[1]);
        return new Pair<>(new DefaultGradient(), grad);
    }

    static boolean covers(INDArray input, INDArray epsilon, int[] kernel, int[] strides, int[] pad,
                                  PoolingType poolingType, ConvolutionMode mode, int[] dilation, CNN2DFormat format) {
        if (poolingType != PoolingType.MAX || format != CNN2DFormat.NCHW || mode == ConvolutionMode.Causal
                || input.rank() != 4 || input.dataType() != DataType.FLOAT || epsilon.dataType() != DataType.FLOAT
                || input.length() > Integer.MAX_VALUE || !Arrays.equals(kernel, strides) || pad[0] != 0 || pad[1] != 0
                || dilation[0] != 1 || dilation[1] != 1 || !BatchNormBackprop.plain(input)
                || !BatchNormBackprop.plain(epsilon)) {
            return false;
        }
        // windows that tile the input: "same" mode pads only where the size is not a multiple of the kernel
        long oh = input.size(2) / kernel[0];
        long ow = input.size(3) / kernel[1];
        boolean tiles = mode != ConvolutionMode.Same
                || (input.size(2) % kernel[0] == 0 && input.size(3) % kernel[1] == 0);
        return tiles && Arrays.equals(epsilon.shape(), new long[] {input.size(0), input.size(1), oh, ow});
    }

    /**
     * For each of {@code planes} planes of {@code h x w} inputs and their {@code h/kh x w/kw} output
     * gradients: the gradient at the first largest input of each window, zero elsewhere.
     */
    static void backward(FloatBuffer in, FloatBuffer eps, FloatBuffer grad, int planes, int h, int w, int kh, int kw) {
        int oh = h / kh;
        int ow = w / kw;
        float[] x = new float[h * w];
        float[] e = new float[oh * ow];
        float[] g = new float[h * w];
        for (int p = 0; p < planes; p++) {
            in.get(p * h * w, x);
            eps.get(p * oh * ow, e);
            Arrays.fill(g, 0f);
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int best = oy * kh * w + ox * kw;
                    float max = x[best];
                    for (int ky = 0; ky < kh; ky++) {
                        int row = (oy * kh + ky) * w + ox * kw;
                        for (int kx = 0; kx < kw; kx++) {
                            if (x[row + kx] > max) {
                                max = x[row + kx];
                                best = row + kx;
                            }
                        }
                    }
                    g[best] = e[oy * ow + ox];
                }
            }
            grad.put(p * h * w, g);
        }
    }

    @Override
    public INDArray activate(INDArray input, boolean training, int[] kernel, int[] strides, int[] pad,
                             PoolingType poolingType, ConvolutionMode convolutionMode, int[] dilation,
                             CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        return stock.activate(input, training, kernel, strides, pad, poolingType, convolutionMode, dilation, format,
                workspaceMgr);
    }

    @Override
    public boolean checkSupported() {
        return stock.checkSupported();
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return stock.helperMemoryUse();
    }
}
