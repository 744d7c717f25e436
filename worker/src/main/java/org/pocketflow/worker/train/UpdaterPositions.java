package org.pocketflow.worker.train;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;
import java.util.function.BiPredicate;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Where DL4J's updater treats parameters of a network differently: the positions in the flattened
 * parameter (and gradient) vector of the parameters a predicate picks, as the updater lays them out.
 * Used wherever a step is computed outside {@code ComputationGraph.fit}: the parameter server's
 * optimizer and {@link ReplicaStep}.
 */
public final class UpdaterPositions {
    private UpdaterPositions() {
    }

    /**
     * Positions of the parameters whose "gradients" are updates that DL4J applies as they are, not
     * divided by the minibatch size and without the optimizer (its {@code NoOp} updater): batch
     * norm's running mean and variance. A worker sends them undivided and the server subtracts them;
     * {@link ReplicaStep} averages them over its copies.
     */
    public static BitSet updatedDirectly(ComputationGraph g) {
        return of(g, (layer, param) -> layer.conf().getLayer().getUpdaterByParam(param) instanceof NoOp
                && !layer.updaterDivideByMinibatch(param));
    }

    /**
     * The positions DL4J's updater attributes to the parameters {@code selected} picks. The updater
     * does not look where a parameter lies: it lays a layer's parameters one after the other, in
     * the order of the layer's parameter table, from the start of the layer's block. Where a layer
     * stores them in another order (DL4J's depthwise and separable convolutions keep their bias
     * first, their tables list it last), the per-parameter treatment (weight decay, the division by
     * the minibatch) lands on these positions rather than on the parameter: local training decays
     * such a layer's bias and leaves its last weights undecayed, and the server does the same.
     */
    public static BitSet of(ComputationGraph g, BiPredicate<Layer, String> selected) {
        INDArray flat = g.params();
        INDArray saved = flat.dup();
        try {
            // mark each layer's block with its number to find where the block starts
            flat.assign(0);
            Layer[] layers = g.getLayers();
            for (int l = 0; l < layers.length; l++) {
                for (INDArray p : layers[l].paramTable().values()) {
                    p.assign(l + 1);
                }
            }
            float[] marks = flat.toFloatVector();
            int[] start = new int[layers.length];
            Arrays.fill(start, -1);
            for (int i = marks.length - 1; i >= 0; i--) {
                if (marks[i] != 0f) {
                    start[(int) marks[i] - 1] = i;
                }
            }
            BitSet out = new BitSet(marks.length);
            for (int l = 0; l < layers.length; l++) {
                int pos = start[l];
                for (Map.Entry<String, INDArray> e : layers[l].paramTable().entrySet()) {
                    int n = (int) e.getValue().length();
                    if (n > 0 && selected.test(layers[l], e.getKey())) {
                        out.set(pos, pos + n);
                    }
                    pos += n;
                }
            }
            return out;
        } finally {
            flat.assign(saved);
        }
    }
}
