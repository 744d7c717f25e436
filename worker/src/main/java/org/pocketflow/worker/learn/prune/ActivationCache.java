package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/**
 * The activations of the last graph a selector saw on its calibration images, so that the
 * per-group calls on one network run the forward pass once. Only the inputs of the consumers of
 * prunable groups are kept (not every vertex's output). A hit needs the same graph object with
 * parameters equal to those seen, so a network trained in between is never served stale values.
 */
final class ActivationCache {
    /** Images per forward pass. */
    private static final long CHUNK = 256;

    private ComputationGraph graph;
    private INDArray params;
    private Map<String, INDArray> activations;

    synchronized Map<String, INDArray> of(ComputationGraph g, ModelInfo info, INDArray calibration) {
        if (g != graph || !g.params().equals(params)) {
            activations = null;
            Set<String> inputs = new LinkedHashSet<>();
            for (ChannelGroup group : info.groups()) {
                if (group.prunable()) {
                    for (String consumer : group.consumers()) {
                        inputs.add(ConsumerSamples.inputOf(g, consumer));
                    }
                }
            }
            // in chunks: a forward pass holds every vertex's output, for ResNet-20 on 1024 images ~2 GB
            long n = calibration.size(0);
            Map<String, List<INDArray>> parts = new HashMap<>();
            for (long from = 0; from < n; from += CHUNK) {
                INDArray chunk = calibration.get(NDArrayIndex.interval(from, Math.min(n, from + CHUNK)));
                Map<String, INDArray> all = g.feedForward(chunk, false);
                for (String input : inputs) {
                    parts.computeIfAbsent(input, k -> new ArrayList<>()).add(all.get(input).dup());
                }
            }
            Map<String, INDArray> kept = new HashMap<>();
            parts.forEach((input, list) -> kept.put(input, list.size() == 1 ? list.get(0)
                    : Nd4j.concat(0, list.toArray(new INDArray[0]))));
            activations = kept;
            graph = g;
            params = g.params().dup();
        }
        return activations;
    }
}
