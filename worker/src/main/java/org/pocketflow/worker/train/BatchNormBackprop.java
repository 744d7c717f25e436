package org.pocketflow.worker.train;

import java.nio.FloatBuffer;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The backward pass of DL4J's batch normalisation in two passes of plain Java over the data, in
 * place of libnd4j's {@code batchnorm_bp}, which on CPU takes about six times its forward op.
 *
 * <p>Installed by {@link #install} on every {@link BatchNormalization} layer that uses DL4J's
 * oneDNN helper ({@link MKLDNNBatchNormHelper}, the product's CPU setting), wrapping that helper:
 * the forward pass, the mini-batch mean and variance it keeps and the running statistics the layer
 * derives from them (DL4J's convention: the gradient {@code (running - batch)·(1 - decay)}, which
 * its no-op updater subtracts) stay exactly DL4J's. Only the gradients change hands, computed from
 * the same kept batch statistics with the same formula: with {@code x̂ = (x - μ)/σ},
 * {@code σ = sqrt(var + eps)} and {@code M} values per channel,
 * {@code dβ = Σ dy}, {@code dγ = Σ dy·x̂} and
 * {@code dx = γ/σ · (dy - dβ/M - x̂·dγ/M)}. Cases it does not cover (channels-last, not float,
 * before a forward pass, more than 2^31 values) go to the wrapped helper.
 */
public final class BatchNormBackprop implements BatchNormalizationHelper {
    private static final LayerHelperField<BatchNormalization, BatchNormalizationHelper> HELPER =
            new LayerHelperField<>(BatchNormalization.class, BatchNormalizationHelper.class);

    private final MKLDNNBatchNormHelper stock;
    private float[] xPlane = new float[0];
    private float[] dyPlane = new float[0];

    /** This backward pass around DL4J's oneDNN helper {@code stock}, which keeps the forward pass. */
    public BatchNormBackprop(MKLDNNBatchNormHelper stock) {
        this.stock = stock;
    }

    /**
     * Gives every batch-norm layer of {@code graph} that uses DL4J's oneDNN helper this backward
     * pass; layers without that helper (oneDNN off, fixed γ and β, another backend) keep DL4J's own.
     * Layers are created with the graph, so call it again on a rebuilt or cloned graph.
     *
     * @return how many layers now use it
     */
    public static int install(ComputationGraph graph) {
        int n = 0;
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof BatchNormalization bn) {
                if (bn.getHelper() instanceof MKLDNNBatchNormHelper stock) {
                    HELPER.set(bn, new BatchNormBackprop(stock));
                }
                n += bn.getHelper() instanceof BatchNormBackprop || bn.getHelper() instanceof BatchNormForward ? 1 : 0;
            }
        }
        return n;
    }

    /** Whether any layer of {@code graph} uses this pass (on its own or under {@link BatchNormForward}). */
    static boolean usedBy(ComputationGraph graph) {
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof BatchNormalization l
                    && (l.getHelper() instanceof BatchNormBackprop || l.getHelper() instanceof BatchNormForward)) {
                return true;
            }
        }
        return false;
    }

    /** Puts DL4J's oneDNN helper back on every layer that has this one or {@link BatchNormForward} (for comparisons). */
    public static void uninstall(ComputationGraph graph) {
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof BatchNormalization bn && bn.getHelper() instanceof BatchNormBackprop mine) {
                HELPER.set(bn, mine.stock);
            } else if (layer instanceof BatchNormalization bn && bn.getHelper() instanceof BatchNormForward forward) {
                HELPER.set(bn, forward.backward().stock);
            }
        }
    }

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return stock.checkSupported(eps, fixedGammaBeta);
    }

    @Override
    public boolean checkSupported() {
        return stock.checkSupported();
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                              INDArray mean, INDArray var, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        return stock.preOutput(x, training, shape, gamma, beta, mean, var, decay, eps, format, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView,
                                                     double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        return backpropGradient(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format, workspaceMgr,
                stock.getMeanCache(input.dataType()), stock.getVarCache(input.dataType()));
    }

    /**
     * The backward pass from the batch mean and (biased) variance the forward pass normalised
     * with: DL4J's kept ones, or {@link BatchNormForward}'s.
     */
    Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                              INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps,
                                              CNN2DFormat format, LayerWorkspaceMgr workspaceMgr, INDArray mean,
                                              INDArray var) {
        if (input.rank() != 4 || format != CNN2DFormat.NCHW || mean == null || input.dataType() != DataType.FLOAT
                || epsilon.dataType() != DataType.FLOAT || gamma == null || input.length() > Integer.MAX_VALUE) {
            return stock.backpropGradient(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format,
                    workspaceMgr);
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        INDArray target = plain(out) ? out : out.ulike();
        int channels = (int) input.size(1);
        float[] dGamma = new float[channels];
        float[] dBeta = new float[channels];
        backward(floats(input), floats(epsilon), (int) input.size(0), channels,
                (int) (input.size(2) * input.size(3)), floats(mean), floats(var), floats(gamma), eps,
                floats(target), dGamma, dBeta);
        if (target != out) {
            out.assign(target);
        }
        assign(dGammaView, dGamma);
        assign(dBetaView, dBeta);
        Gradient g = new DefaultGradient();
        g.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        g.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(g, out);
    }

    /**
     * The backward pass on NCHW data: {@code x} and {@code dy} hold {@code n·c} planes of
     * {@code s} values; writes {@code dx} and each channel's {@code dGamma}, {@code dBeta}.
     * {@code var} is the biased mini-batch variance, without {@code eps}.
     */
    void backward(FloatBuffer x, FloatBuffer dy, int n, int c, int s, FloatBuffer mean, FloatBuffer var,
                  FloatBuffer gamma, double eps, FloatBuffer dx, float[] dGamma, float[] dBeta) {
        if (xPlane.length < s) {
            xPlane = new float[s];
            dyPlane = new float[s];
        }
        float[] xs = xPlane;
        float[] dys = dyPlane;
        double[] sumDy = new double[c];
        double[] sumDyXmu = new double[c];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                int at = (i * c + ch) * s;
                x.get(at, xs, 0, s);
                dy.get(at, dys, 0, s);
                float mu = mean.get(ch);
                float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
                float b0 = 0, b1 = 0, b2 = 0, b3 = 0;
                int k = 0;
                for (; k + 4 <= s; k += 4) {
                    a0 += dys[k];
                    a1 += dys[k + 1];
                    a2 += dys[k + 2];
                    a3 += dys[k + 3];
                    b0 += dys[k] * (xs[k] - mu);
                    b1 += dys[k + 1] * (xs[k + 1] - mu);
                    b2 += dys[k + 2] * (xs[k + 2] - mu);
                    b3 += dys[k + 3] * (xs[k + 3] - mu);
                }
                for (; k < s; k++) {
                    a0 += dys[k];
                    b0 += dys[k] * (xs[k] - mu);
                }
                sumDy[ch] += (a0 + a1) + (a2 + a3);
                sumDyXmu[ch] += (b0 + b1) + (b2 + b3);
            }
        }
        long m = (long) n * s;
        float[] scale = new float[c];
        float[] slope = new float[c];
        float[] shift = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double invStd = 1 / Math.sqrt(var.get(ch) + eps);
            dBeta[ch] = (float) sumDy[ch];
            dGamma[ch] = (float) (sumDyXmu[ch] * invStd);
            double g = gamma.get(ch) * invStd;
            scale[ch] = (float) g;
            slope[ch] = (float) (-g * invStd * invStd * sumDyXmu[ch] / m);
            shift[ch] = (float) (-g * sumDy[ch] / m);
        }
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                int at = (i * c + ch) * s;
                x.get(at, xs, 0, s);
                dy.get(at, dys, 0, s);
                float mu = mean.get(ch);
                float a = scale[ch];
                float b = slope[ch];
                float d = shift[ch];
                for (int k = 0; k < s; k++) {
                    dys[k] = a * dys[k] + b * (xs[k] - mu) + d;
                }
                dx.put(at, dys, 0, s);
            }
        }
    }

    /** A view of {@code a}'s values in C order, copied first when its layout is not plain C order. */
    static FloatBuffer floats(INDArray a) {
        return (plain(a) ? a : a.dup('c')).data().asNioFloat().slice();
    }

    private static void assign(INDArray view, float[] values) {
        if (plain(view)) {
            view.data().asNioFloat().slice().put(0, values);
        } else {
            for (int i = 0; i < values.length; i++) {
                view.putScalar(i, values[i]);
            }
        }
    }

    /**
     * Whether {@code a}'s values lie in its buffer from the start in C order with no gaps (the
     * strides of dimensions of size 1 do not matter).
     */
    static boolean plain(INDArray a) {
        if (a.offset() != 0) {
            return false;
        }
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) > 1 && a.stride(d) != expected) {
                return false;
            }
            expected *= a.size(d);
        }
        return true;
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return stock.getMeanCache(dataType);
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return stock.getVarCache(dataType);
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return stock.helperMemoryUse();
    }
}
