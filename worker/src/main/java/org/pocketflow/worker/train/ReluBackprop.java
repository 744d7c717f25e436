package org.pocketflow.worker.train;

import java.nio.FloatBuffer;
import java.util.Arrays;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ReLU whose backward pass, {@code dL/dz = z > 0 ? dL/dy : 0}, is one pass of plain Java over the
 * data. ND4J 1.0.0-M2's {@link ActivationReLU} runs libnd4j's {@code relu_bp}; DL4J's ReLU layer
 * backward takes about ten times PyTorch's ({@code LayerOpsBench} against {@code bench/torch_ops.py}:
 * 0.67 against 0.06 ms on ResNet-20's first stage at batch 32); the forward pass stays ND4J's.
 *
 * <p>DL4J layers read their activation from their own configuration, so {@link #install} gives each
 * layer with a plain ReLU (no cap, threshold or negative slope) its own copy of its configuration
 * with this activation; the graph's configuration, which is what gets saved, keeps ND4J's ReLU. It
 * is a subclass of {@link ActivationReLU}, so code that asks whether a layer's activation is a ReLU
 * still gets yes. Cases it does not cover (not float, views with offsets or gaps, shapes that
 * differ) go to ND4J's.
 *
 * <p>Installed by {@link Trainer#useFasterBackprop}: alone it takes 0.8 ms against ND4J's 1.35 ms
 * (LeNet's first layer at batch 32, one thread, outside workspaces); training with it measured
 * faster in interleaved runs on the quiet machine (docs/SPEED.md).
 */
public final class ReluBackprop extends ActivationReLU {
    private static final int CHUNK = 4096;

    /**
     * Gives every layer of {@code graph} whose activation is a plain ReLU this backward pass. Layers
     * are created with the graph, so call it again on a rebuilt or cloned graph.
     *
     * @return how many layers now use it
     */
    public static int install(ComputationGraph graph) {
        int n = 0;
        for (Layer layer : graph.getLayers()) {
            IActivation fn = activation(layer.conf().getLayer());
            if (fn != null && fn.getClass() == ActivationReLU.class && new ActivationReLU().equals(fn)) {
                NeuralNetConfiguration own = layer.conf().clone();
                setActivation(own.getLayer(), new ReluBackprop());
                layer.setConf(own);
            }
            n += activation(layer.conf().getLayer()) instanceof ReluBackprop ? 1 : 0;
        }
        return n;
    }

    /** Gives every layer that has this backward pass its configuration from the graph's back (for comparisons). */
    public static void uninstall(ComputationGraph graph) {
        for (Layer layer : graph.getLayers()) {
            if (activation(layer.conf().getLayer()) instanceof ReluBackprop) {
                GraphVertex v = graph.getConfiguration().getVertices().get(layer.conf().getLayer().getLayerName());
                layer.setConf(((LayerVertex) v).getLayerConf());
            }
        }
    }

    /** Whether any layer of {@code graph} uses this backward pass. */
    static boolean usedBy(ComputationGraph graph) {
        return Arrays.stream(graph.getLayers()).anyMatch(l -> activation(l.conf().getLayer()) instanceof ReluBackprop);
    }

    private static IActivation activation(org.deeplearning4j.nn.conf.layers.Layer conf) {
        if (conf instanceof BaseLayer b) {
            return b.getActivationFn();
        }
        return conf instanceof ActivationLayer a ? a.getActivationFn() : null;
    }

    private static void setActivation(org.deeplearning4j.nn.conf.layers.Layer conf, IActivation fn) {
        if (conf instanceof BaseLayer b) {
            b.setActivationFn(fn);
        } else {
            ((ActivationLayer) conf).setActivationFn(fn);
        }
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        if (in.dataType() != DataType.FLOAT || epsilon.dataType() != DataType.FLOAT
                || !Arrays.equals(in.shape(), epsilon.shape()) || in.length() > Integer.MAX_VALUE
                || !BatchNormBackprop.plain(in) || !BatchNormBackprop.plain(epsilon)) {
            return super.backprop(in, epsilon);
        }
        INDArray out = in.ulike();
        if (!BatchNormBackprop.plain(out)) {
            return super.backprop(in, epsilon);
        }
        backward(in.data().asNioFloat(), epsilon.data().asNioFloat(), out.data().asNioFloat(), (int) in.length());
        return new Pair<>(out, null);
    }

    /**
     * All ones where {@code z > 0}, else zero, without a branch: with random signs a branch is
     * mispredicted half the time, which made this pass slower than libnd4j's. {@code z > 0} exactly
     * when its bits, read as an int, lie in [1, bits of +∞]: zeros, negatives (-0 included) and NaN fall
     * outside.
     */
    static int positive(float z) {
        int bits = Float.floatToRawIntBits(z);
        return ~(((0x7F800000 - bits) | (bits - 1)) >> 31);
    }

    /** {@code dz[i] = z[i] > 0 ? dy[i] : 0} for the first {@code length} values. */
    static void backward(FloatBuffer z, FloatBuffer dy, FloatBuffer dz, int length) {
        float[] zs = new float[Math.min(CHUNK, length)];
        float[] gs = new float[zs.length];
        for (int at = 0; at < length; at += CHUNK) {
            int len = Math.min(CHUNK, length - at);
            z.get(at, zs, 0, len);
            dy.get(at, gs, 0, len);
            for (int k = 0; k < len; k++) {
                gs[k] = Float.intBitsToFloat(Float.floatToRawIntBits(gs[k]) & positive(zs[k]));
            }
            dz.put(at, gs, 0, len);
        }
    }
}
