package org.pocketflow.worker.learn;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

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
        return run(learner, base, shape, settings, budget, fineTune, data, provenance, progress, null);
    }

    /**
     * As {@link #run(Learner, ComputationGraph, ImageShape, Map, Budget, FineTuneSpec, EpochData, Map, Consumer)},
     * measuring {@code epochAccuracy} after every fine-tuning epoch (null measures nothing).
     */
    public static CompressedModel run(Learner learner, ComputationGraph base, ImageShape shape,
                                      Map<String, Double> settings, Budget budget, FineTuneSpec fineTune,
                                      EpochData data, Map<String, String> provenance, Consumer<String> progress,
                                      ToDoubleFunction<ComputationGraph> epochAccuracy) {
        ModelInfo before = ModelInfo.of(base, shape);
        Compression c = learner.compress(base, shape, settings, budget);
        progress.accept(learner.name() + ": compressed with " + c.settings() + "; fine-tuning "
                + (fineTune.trains() ? fineTune.training().epochs() + " epoch(s)" : "skipped")
                + (fineTune.distills() ? " with distillation (w=" + fineTune.distillationWeight() + ", T="
                + fineTune.temperature() + ")" : ""));
        FineTuner.FineTuned tuned = FineTuner.tune(c, fineTune, data, base, progress, epochAccuracy);
        ComputationGraph finished = tuned.graph();
        Map<String, String> prov = new LinkedHashMap<>(provenance);
        prov.put("learner", learner.name());
        prov.put("budget", budget.toString());
        prov.put("settings", c.settings().toString());
        BatchNormReestimation.record(c.notes(), prov);
        prov.put("fine-tune", fineTune.toString());
        PackedModel packed = PackedModel.of(finished, c.encodings(finished), prov);
        return new CompressedModel(learner.name(), c.settings(), c.notes(), finished, packed, ModelCost.of(before),
                ModelCost.of(ModelInfo.of(finished, shape)), tuned.epochs());
    }
}
