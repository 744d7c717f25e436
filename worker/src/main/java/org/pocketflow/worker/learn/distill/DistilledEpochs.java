package org.pocketflow.worker.learn.distill;

import java.util.Iterator;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pocketflow.worker.train.EpochData;

/**
 * Training data for {@link DistillationLoss}: each minibatch of {@code data} with the teacher's
 * log-probabilities appended to its labels ({@code [y | log p_teacher]}). The teacher runs in
 * inference mode on every batch as it is drawn; it is read only.
 */
public record DistilledEpochs(EpochData data, ComputationGraph teacher) implements EpochData {
    private static final double LOG_FLOOR = 1e-10;

    @Override
    public Iterator<DataSet> epoch(int epoch) {
        Iterator<DataSet> inner = data.epoch(epoch);
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return inner.hasNext();
            }

            @Override
            public DataSet next() {
                return withTeacher(inner.next(), teacher);
            }
        };
    }

    /** Minibatch {@code b} with {@code teacher}'s log-probabilities appended to its labels. */
    public static DataSet withTeacher(DataSet b, ComputationGraph teacher) {
        INDArray probs = teacher.outputSingle(false, b.getFeatures());
        INDArray logp = Transforms.log(Transforms.max(probs, LOG_FLOOR), false);
        return new DataSet(b.getFeatures(), Nd4j.hstack(b.getLabels(), logp.castTo(b.getLabels().dataType())));
    }

    @Override
    public long size() {
        return data.size();
    }
}
