package org.pocketflow.worker.learn.prune;

import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The activations of the last graph a selector saw on its calibration images, so that the
 * per-group calls on one network run the forward pass once. A hit needs the same graph object with
 * parameters equal to those seen, so a network trained in between is never served stale values.
 */
final class ActivationCache {
    private ComputationGraph graph;
    private INDArray params;
    private Map<String, INDArray> activations;

    synchronized Map<String, INDArray> of(ComputationGraph g, INDArray calibration) {
        if (g != graph || !g.params().equals(params)) {
            activations = g.feedForward(calibration, false);
            graph = g;
            params = g.params().dup();
        }
        return activations;
    }
}
