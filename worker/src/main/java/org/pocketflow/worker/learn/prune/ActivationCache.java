package org.pocketflow.worker.learn.prune;

import java.util.HashMap;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/**
 * The activations of the last graph a selector saw on its calibration images, so that the
 * per-group calls on one network run the forward pass once. Only the inputs of the consumers of
 * prunable groups are kept (not every vertex's output). A hit needs the same graph object with
 * parameters equal to those seen, so a network trained in between is never served stale values.
 */
final class ActivationCache {
    private ComputationGraph graph;
    private INDArray params;
    private Map<String, INDArray> activations;

    synchronized Map<String, INDArray> of(ComputationGraph g, ModelInfo info, INDArray calibration) {
        if (g != graph || !g.params().equals(params)) {
            activations = null;
            Map<String, INDArray> all = g.feedForward(calibration, false);
            Map<String, INDArray> kept = new HashMap<>();
            for (ChannelGroup group : info.groups()) {
                if (group.prunable()) {
                    for (String consumer : group.consumers()) {
                        String input = ConsumerSamples.inputOf(g, consumer);
                        kept.put(input, all.get(input));
                    }
                }
            }
            activations = kept;
            graph = g;
            params = g.params().dup();
        }
        return activations;
    }
}
