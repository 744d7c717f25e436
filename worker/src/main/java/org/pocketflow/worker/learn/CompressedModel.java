package org.pocketflow.worker.learn;

import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.export.PackedModel;
import org.pocketflow.worker.train.EpochStats;

/**
 * One candidate's result: the fine-tuned compressed network, its packed deployment form and
 * the settings used. The graph is owned by the caller; everything else is immutable.
 *
 * @param learner  the learner's name
 * @param settings per knob, the value applied (after the budget)
 * @param notes    lines for the report from the learner (see {@link Compression#notes()})
 * @param graph    the compressed network, fp32 values equal to what {@code packed} decodes to
 * @param packed   the deployment form (architecture plus compact tensors, with provenance)
 * @param before   cost of the uncompressed network
 * @param after    cost of the compressed network (MACs and parameters; fp32 bytes)
 * @param fineTuneEpochs figures of every fine-tuning epoch (empty when none ran)
 */
public record CompressedModel(String learner, Map<String, Double> settings, List<String> notes, ComputationGraph graph,
                              PackedModel packed, ModelCost before, ModelCost after, List<EpochStats> fineTuneEpochs) {
    public CompressedModel {
        settings = Map.copyOf(settings);
        notes = List.copyOf(notes);
        fineTuneEpochs = List.copyOf(fineTuneEpochs);
    }

    /** Bytes of the packed tensors over the fp32 bytes of the uncompressed network's parameters. */
    public double tensorBytesFraction() {
        return packed.tensorBytes() / (double) before.bytes();
    }
}
