package org.pocketflow.worker.learn;

import java.util.function.Consumer;

import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.pocketflow.conf.LearnKeys;
import org.pocketflow.worker.learn.distill.DistillationLoss;
import org.pocketflow.worker.learn.distill.DistilledEpochs;
import org.pocketflow.worker.train.EpochData;
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
        ComputationGraph g = c.graph();
        if (!spec.trains()) {
            c.hook().finish(g);
            return g;
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
        try {
            new Trainer(training, progress, LearnKeys.FINE_TUNE_LEARNING_RATE.name()).fit(g, input, c.hook());
        } finally {
            if (out != null) {
                out.setLossFn(original);
            }
        }
        return g;
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
