package org.pocketflow.worker.train;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's dense layer with a ReLU whose backward pass reuses its forward pass. DL4J 1.0.0-M2's
 * dense layer computes its pre-activation {@code z = x·W + b} again in backprop (one more matrix
 * product and a row-vector addition, about 5% of a LeNet step's CPU time for its 800→500 layer), only
 * to hand it to the ReLU's backward pass, which reads nothing of it but where {@code z > 0}; that is
 * where the forward output {@code relu(z)} is positive, and this layer gives the ReLU that output,
 * which the graph keeps for the next layer anyway. The gradients are DL4J's bit for bit.
 *
 * <p>DL4J creates its layers with the graph; {@link #install} puts one of these in place of each
 * dense layer it covers, over the same parameter and gradient views and with the same configuration
 * object, so the saved configuration is unchanged. It covers dense layers with a plain ReLU, no
 * dropout, weight noise or layer normalisation, whose output only feeds layers without dropout (a
 * consumer's dropout could change that output in place before the backward pass). Installed by
 * {@link Trainer#useFasterBackprop}; call it again on a rebuilt or cloned graph.
 */
public final class DenseReluBackprop extends DenseLayer {
    private INDArray forwardInput;
    private INDArray forwardOutput;

    private DenseReluBackprop(DenseLayer layer) {
        super(layer.conf(), layer.params().dataType());
        LayerSwap.adopt(this, layer);
    }

    /**
     * Puts this layer in place of every dense layer of {@code graph} it covers.
     *
     * @return how many layers of the graph are now this one
     */
    public static int install(ComputationGraph graph) {
        return LayerSwap.install(graph, DenseLayer.class,
                lv -> covers(graph, lv.getVertexName(), (DenseLayer) lv.getLayer()), DenseReluBackprop::new,
                DenseReluBackprop.class);
    }

    /** Whether any layer of {@code graph} is one of these. */
    static boolean usedBy(ComputationGraph graph) {
        return LayerSwap.usedBy(graph, DenseReluBackprop.class);
    }

    private static boolean covers(ComputationGraph graph, String name, DenseLayer layer) {
        var conf = (org.deeplearning4j.nn.conf.layers.DenseLayer) layer.conf().getLayer();
        IActivation fn = conf.getActivationFn();
        if (!(fn instanceof ActivationReLU) || !new ActivationReLU().equals(fn) || conf.getIDropout() != null
                || conf.getWeightNoise() != null || layer.hasLayerNorm()) {
            return false;
        }
        for (var e : graph.getConfiguration().getVertexInputs().entrySet()) {
            if (e.getValue().contains(name) && !(graph.getVertex(e.getKey()) instanceof LayerVertex consumer
                    && consumer.getLayer().conf().getLayer().getIDropout() == null)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray out = super.activate(training, workspaceMgr);
        forwardInput = training && maskArray == null ? input : null;
        forwardOutput = forwardInput == null ? null : out;
        return out;
    }

    /**
     * In the backward pass of a training step, the forward output in place of the pre-activation:
     * the ReLU's backward pass reads only its sign (and writes its result to a new array).
     */
    @Override
    protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop,
                                                            LayerWorkspaceMgr workspaceMgr) {
        if (forBackprop && forwardOutput != null && forwardInput == input && maskArray == null) {
            INDArray out = forwardOutput;
            forwardInput = null;
            forwardOutput = null;
            return new Pair<>(out, null);
        }
        return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
    }

    @Override
    public void clear() {
        super.clear();
        forwardInput = null;
        forwardOutput = null;
    }
}
