package org.pocketflow.worker.train;

import java.nio.FloatBuffer;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training-mode forward pass of DL4J's batch normalisation in plain Java: one pass over the
 * data for each channel's mini-batch mean and (biased) variance, one for
 * {@code y = γ·(x - μ)/sqrt(var + eps) + β}. DL4J 1.0.0-M2's oneDNN helper computes the statistics
 * with libnd4j's {@code mean} and {@code Variance} reductions over dimensions 0, 2 and 3 of NCHW
 * data, strided reductions that on one thread take four to five times PyTorch's whole batch-norm
 * forward ({@code LayerOpsBench} against {@code bench/torch_ops.py}); the normalisation itself is
 * cheap.
 *
 * <p>Installed by {@link #install} on batch-norm layers that have {@link BatchNormBackprop},
 * wrapping it: the backward pass is {@link BatchNormBackprop}'s, from this forward pass's
 * statistics, and the layer derives its running mean and variance from them as it does from DL4J's
 * (they are handed over through {@link #getMeanCache}/{@link #getVarCache}). Inference, and cases it
 * does not cover (channels-last, rank 2, not float, no γ/β, more than 2^31 values), go to the
 * wrapped helper. Statistics are summed per plane in float with four partial sums, across planes
 * in double, shifted by the channel's first value so that a large mean costs no precision.
 */
public final class BatchNormForward implements BatchNormalizationHelper {
    private static final LayerHelperField<BatchNormalization, BatchNormalizationHelper> HELPER =
            new LayerHelperField<>(BatchNormalization.class, BatchNormalizationHelper.class);

    private final BatchNormBackprop backward;
    private INDArray meanCache;
    private INDArray varCache;
    /** Whether the last training forward pass was this one's (else the wrapped helper's statistics hold). */
    private boolean own;
    private float[] plane = new float[0];

    /** This forward pass around {@code backward}, whose backward pass (and wrapped DL4J helper) it keeps. */
    public BatchNormForward(BatchNormBackprop backward) {
        this.backward = backward;
    }

    /**
     * Gives every batch-norm layer of {@code graph} that has {@link BatchNormBackprop} this forward
     * pass. Layers are created with the graph, so call it again on a rebuilt or cloned graph.
     *
     * @return how many layers now use it
     */
    public static int install(ComputationGraph graph) {
        int n = 0;
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof BatchNormalization bn) {
                if (bn.getHelper() instanceof BatchNormBackprop inner) {
                    HELPER.set(bn, new BatchNormForward(inner));
                }
                n += bn.getHelper() instanceof BatchNormForward ? 1 : 0;
            }
        }
        return n;
    }

    /** Whether any layer of {@code graph} uses this pass. */
    static boolean usedBy(ComputationGraph graph) {
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof BatchNormalization l && l.getHelper() instanceof BatchNormForward) {
                return true;
            }
        }
        return false;
    }

    /** Puts {@link BatchNormBackprop} back on every layer that has this one (for comparisons). */
    public static void uninstall(ComputationGraph graph) {
        for (Layer layer : graph.getLayers()) {
            if (layer instanceof BatchNormalization bn && bn.getHelper() instanceof BatchNormForward mine) {
                HELPER.set(bn, mine.backward);
            }
        }
    }

    /** The backward pass this one wraps. */
    BatchNormBackprop backward() {
        return backward;
    }

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return backward.checkSupported(eps, fixedGammaBeta);
    }

    @Override
    public boolean checkSupported() {
        return backward.checkSupported();
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                              INDArray mean, INDArray var, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        own = training && x.rank() == 4 && format == CNN2DFormat.NCHW && x.dataType() == DataType.FLOAT
                && gamma != null && beta != null && gamma.dataType() == DataType.FLOAT
                && beta.dataType() == DataType.FLOAT && x.length() <= Integer.MAX_VALUE;
        if (!own) {
            return backward.preOutput(x, training, shape, gamma, beta, mean, var, decay, eps, format, workspaceMgr);
        }
        int channels = (int) x.size(1);
        if (meanCache == null || meanCache.length() != channels) {
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                meanCache = Nd4j.createUninitialized(DataType.FLOAT, channels);
                varCache = Nd4j.createUninitialized(DataType.FLOAT, channels);
            }
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape(), 'c');
        INDArray target = BatchNormBackprop.plain(out) ? out : out.ulike();
        float[] mu = new float[channels];
        float[] variance = new float[channels];
        forward(BatchNormBackprop.floats(x), (int) x.size(0), channels, (int) (x.size(2) * x.size(3)),
                BatchNormBackprop.floats(gamma), BatchNormBackprop.floats(beta), eps, BatchNormBackprop.floats(target), mu,
                variance);
        if (target != out) {
            out.assign(target);
        }
        meanCache.data().asNioFloat().put(0, mu);
        varCache.data().asNioFloat().put(0, variance);
        return out;
    }

    /**
     * The forward pass on NCHW data: {@code x} holds {@code n·c} planes of {@code s} values; writes
     * {@code y} and each channel's mean and biased variance.
     */
    void forward(FloatBuffer x, int n, int c, int s, FloatBuffer gamma, FloatBuffer beta, double eps, FloatBuffer y,
                 float[] mean, float[] var) {
        if (plane.length < s) {
            plane = new float[s];
        }
        float[] xs = plane;
        double[] sum = new double[c];
        double[] sumSq = new double[c];
        float[] shift = new float[c];
        for (int ch = 0; ch < c; ch++) {
            shift[ch] = x.get(ch * s);
        }
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                x.get((i * c + ch) * s, xs, 0, s);
                float k0 = shift[ch];
                float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
                float b0 = 0, b1 = 0, b2 = 0, b3 = 0;
                int k = 0;
                for (; k + 4 <= s; k += 4) {
                    float d0 = xs[k] - k0;
                    float d1 = xs[k + 1] - k0;
                    float d2 = xs[k + 2] - k0;
                    float d3 = xs[k + 3] - k0;
                    a0 += d0;
                    a1 += d1;
                    a2 += d2;
                    a3 += d3;
                    b0 += d0 * d0;
                    b1 += d1 * d1;
                    b2 += d2 * d2;
                    b3 += d3 * d3;
                }
                for (; k < s; k++) {
                    float d = xs[k] - k0;
                    a0 += d;
                    b0 += d * d;
                }
                sum[ch] += (a0 + a1) + (a2 + a3);
                sumSq[ch] += (b0 + b1) + (b2 + b3);
            }
        }
        double m = (double) n * s;
        float[] scale = new float[c];
        float[] offset = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double shifted = sum[ch] / m;
            double v = Math.max(0, sumSq[ch] / m - shifted * shifted);
            double mu = shift[ch] + shifted;
            mean[ch] = (float) mu;
            var[ch] = (float) v;
            double g = gamma.get(ch) / Math.sqrt(v + eps);
            scale[ch] = (float) g;
            offset[ch] = (float) (beta.get(ch) - g * mu);
        }
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                int at = (i * c + ch) * s;
                x.get(at, xs, 0, s);
                float a = scale[ch];
                float b = offset[ch];
                for (int k = 0; k < s; k++) {
                    xs[k] = a * xs[k] + b;
                }
                y.put(at, xs, 0, s);
            }
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView,
                                                     double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        return backward.backpropGradient(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format,
                workspaceMgr, getMeanCache(input.dataType()), getVarCache(input.dataType()));
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return own ? meanCache : backward.getMeanCache(dataType);
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return own ? varCache : backward.getVarCache(dataType);
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return backward.helperMemoryUse();
    }
}
