package org.pocketflow.worker.learn;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.export.PackedModel;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.train.EpochData;

/**
 * One candidate through a learner: compress the base network under the budget, fine-tune it
 * (with distillation from the base network if asked), pack it. Stateless; the base network is
 * read only.
 */
public final class LearnerRun {
    private LearnerRun() {
    }

    /**
     * @param provenance facts to record in the packed model (seed, dataset hash, versions); the
     *                   learner, budget and settings are added
     */
    public static CompressedModel run(Learner learner, ComputationGraph base, ImageShape shape,
                                      Map<String, Double> settings, Budget budget, FineTuneSpec fineTune,
                                      EpochData data, Map<String, String> provenance, Consumer<String> progress) {
        ModelInfo before = ModelInfo.of(base, shape);
        Compression c = learner.compress(base, shape, settings, budget);
        progress.accept(learner.name() + ": compressed with " + c.settings() + "; fine-tuning "
                + (fineTune.trains() ? fineTune.training().epochs() + " epoch(s)" : "skipped")
                + (fineTune.distills() ? " with distillation (w=" + fineTune.distillationWeight() + ", T="
                + fineTune.temperature() + ")" : ""));
        ComputationGraph finished = FineTuner.run(c, fineTune, data, base, progress);
        Map<String, String> prov = new LinkedHashMap<>(provenance);
        prov.put("learner", learner.name());
        prov.put("budget", budget.toString());
        prov.put("settings", c.settings().toString());
        prov.put("fine-tune", fineTune.toString());
        PackedModel packed = PackedModel.of(finished, c.encodings(finished), prov);
        return new CompressedModel(learner.name(), c.settings(), c.notes(), finished, packed, ModelCost.of(before),
                ModelCost.of(ModelInfo.of(finished, shape)));
    }
}
