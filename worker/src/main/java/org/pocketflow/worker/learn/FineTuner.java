package org.pocketflow.worker.learn;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.pocketflow.conf.LearnKeys;
import org.pocketflow.worker.learn.distill.DistillationLoss;
import org.pocketflow.worker.learn.distill.DistilledEpochs;
import org.pocketflow.worker.train.EpochData;
import org.pocketflow.worker.train.EpochStats;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * Fine-tunes a {@link Compression} with its hook in force, optionally distilling from the
 * uncompressed network. Stateless: every call owns the graph it returns.
 */
public final class FineTuner {
    private FineTuner() {
    }

    /**
     * Fine-tunes {@code c.graph()} and returns the finished network (the hook's {@code finish} done).
     *
     * @param teacher the uncompressed network, used when {@code spec.distills()}; read only
     * @param data    the training data, minibatches of {@code spec.training().batchSize()}
     */
    public static ComputationGraph run(Compression c, FineTuneSpec spec, EpochData data, ComputationGraph teacher,
                                       Consumer<String> progress) {
        return tune(c, spec, data, teacher, progress, null).graph();
    }

    /**
     * The finished network and the figures of every fine-tuning epoch.
     *
     * @param epochAccuracy measured on the graph after every epoch for the report's curves; null for none
     */
    public static FineTuned tune(Compression c, FineTuneSpec spec, EpochData data, ComputationGraph teacher,
                                 Consumer<String> progress, ToDoubleFunction<ComputationGraph> epochAccuracy) {
        ComputationGraph g = c.graph();
        if (!spec.trains()) {
            c.hook().finish(g);
            return new FineTuned(g, List.of());
        }
        TrainingSpec training = spec.training();
        long steps = (data.size() + training.batchSize() - 1) / training.batchSize();
        g = Trainer.withOptimizer(g, training, steps);
        EpochData input = data;
        BaseOutputLayer out = null;
        ILossFunction original = null;
        if (spec.distills()) {
            if (teacher == null) {
                throw new IllegalArgumentException("distillation needs the uncompressed network as teacher");
            }
            out = outputLayer(g);
            original = out.getLossFn();
            out.setLossFn(new DistillationLoss(spec.distillationWeight(), spec.temperature()));
            input = new DistilledEpochs(data, teacher);
        }
        List<EpochStats> epochs;
        try {
            epochs = new Trainer(training, progress, LearnKeys.FINE_TUNE_LEARNING_RATE.name())
                    .evaluatingEachEpoch(epochAccuracy).fit(g, input, c.hook());
        } finally {
            if (out != null) {
                out.setLossFn(original);
            }
        }
        return new FineTuned(g, epochs);
    }

    /**
     * A fine-tuned network.
     *
     * @param graph  the finished network (its hook's {@code finish} done)
     * @param epochs the figures of every fine-tuning epoch (empty when none ran)
     */
    public record FineTuned(ComputationGraph graph, List<EpochStats> epochs) {
        public FineTuned {
            epochs = List.copyOf(epochs);
        }
    }

    /**
     * Gives {@code g}'s output layer the distillation loss of {@code spec}, for a worker that
     * computes gradients of a distilling fine-tuning elsewhere (its labels then come from {@code
     * DistilledEpochs.withTeacher}).
     */
    public static void useDistillationLoss(ComputationGraph g, FineTuneSpec spec) {
        outputLayer(g).setLossFn(new DistillationLoss(spec.distillationWeight(), spec.temperature()));
    }

    private static BaseOutputLayer outputLayer(ComputationGraph g) {
        if (g.getNumOutputArrays() != 1
                || !(g.getOutputLayer(0).conf().getLayer() instanceof BaseOutputLayer layer)) {
            throw new IllegalArgumentException("distillation needs a network with one output layer "
                    + "(an OutputLayer with softmax)");
        }
        return layer;
    }
}
