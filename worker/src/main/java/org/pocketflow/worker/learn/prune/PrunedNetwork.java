package org.pocketflow.worker.learn.prune;

import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A pruned network and the record of how it was pruned. The graph is new (the input network is
 * left unchanged), not yet fine-tuned, and owned by the caller.
 *
 * @param graph  the smaller network
 * @param report kept channels and costs before and after
 */
public record PrunedNetwork(ComputationGraph graph, PruningReport report) {
}
