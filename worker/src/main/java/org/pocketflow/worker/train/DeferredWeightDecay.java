package org.pocketflow.worker.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * DL4J's {@link WeightDecay} whose score, {@code coeff/2·Σw²} (part of the loss each step reports),
 * is left out while a {@link Switch} says that {@link NesterovStepFused} adds it: the fused step
 * reads every weight anyway, while DL4J computes it in each copy of a {@link ReplicaStep} with
 * libnd4j's {@code norm2}, about 0.35 ms of a 10 ms LeNet step (docs/SPEED.md). The decay itself
 * ({@link #apply}) is DL4J's.
 *
 * <p>As {@link ReluBackprop} does, {@link #install} gives each layer whose weight decay it replaces
 * its own copy of its configuration; the graph's configuration, which is what gets saved, keeps
 * DL4J's {@link WeightDecay}. With the switch off (any time outside a fused step) it scores as
 * DL4J does.
 */
final class DeferredWeightDecay extends WeightDecay {
    /** Shared by the layers of one {@link ReplicaStep}'s copies: on while its fused step computes the score instead. */
    static final class Switch {
        private volatile boolean deferred;

        void set(boolean on) {
            deferred = on;
        }
    }

    private final transient Switch scoreElsewhere;

    private DeferredWeightDecay(WeightDecay decay, Switch scoreElsewhere) {
        super(decay.getCoeff(), decay.isApplyLR());
        this.scoreElsewhere = scoreElsewhere;
    }

    /**
     * Gives every layer of {@code graph} with DL4J's {@link WeightDecay} this one instead, scored
     * elsewhere while {@code scoreElsewhere} is on, recording in {@code replaced} (when not null) each
     * layer's configuration before, for {@link #restore}.
     *
     * @return how many layers it gave this one now
     */
    static int install(ComputationGraph graph, Switch scoreElsewhere, Map<Layer, NeuralNetConfiguration[]> replaced) {
        int n = 0;
        for (Layer layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer b
                    && (replaces(b.getRegularization()) || replaces(b.getRegularizationBias()))) {
                NeuralNetConfiguration own = layer.conf().clone();
                BaseLayer mine = (BaseLayer) own.getLayer();
                mine.setRegularization(replaced(mine.getRegularization(), scoreElsewhere));
                mine.setRegularizationBias(replaced(mine.getRegularizationBias(), scoreElsewhere));
                if (replaced != null) {
                    replaced.put(layer, new NeuralNetConfiguration[] {layer.conf(), own});
                }
                layer.setConf(own);
                n++;
            }
        }
        return n;
    }

    /**
     * Gives each layer recorded by {@link #install} its configuration from before, where it still has
     * the one install gave it: a learner may change the layer's configuration object during training
     * and put it back after (distillation's loss), which a copy left in place would keep.
     */
    static void restore(Map<Layer, NeuralNetConfiguration[]> replaced) {
        for (Map.Entry<Layer, NeuralNetConfiguration[]> e : replaced.entrySet()) {
            if (e.getKey().conf() == e.getValue()[1]) {
                e.getKey().setConf(e.getValue()[0]);
            }
        }
        replaced.clear();
    }

    private static boolean replaces(List<Regularization> regs) {
        return regs != null && regs.stream().anyMatch(r -> r.getClass() == WeightDecay.class);
    }

    private static List<Regularization> replaced(List<Regularization> regs, Switch scoreElsewhere) {
        if (regs == null) {
            return null;
        }
        List<Regularization> out = new ArrayList<>();
        for (Regularization r : regs) {
            out.add(r.getClass() == WeightDecay.class ? new DeferredWeightDecay((WeightDecay) r, scoreElsewhere) : r);
        }
        return out;
    }

    @Override
    public double score(INDArray param, int iteration, int epoch) {
        return scoreElsewhere.deferred ? 0 : super.score(param, iteration, epoch);
    }

    @Override
    public Regularization clone() {
        return new DeferredWeightDecay(this, scoreElsewhere);
    }
}
