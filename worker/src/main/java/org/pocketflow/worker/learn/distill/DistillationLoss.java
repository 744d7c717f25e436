package org.pocketflow.worker.learn.distill;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Knowledge-distillation loss (Hinton, Vinyals and Dean 2015, section 2):
 * {@code L = CE(y, softmax(z)) + w * T^2 * KL(softmax(t / T) || softmax(z / T))} for student
 * logits {@code z}, teacher logits {@code t}, labels {@code y}. Its gradient with respect to the
 * logits is {@code (softmax(z) - y) + w * T * (softmax(z / T) - softmax(t / T))}; the {@code T^2}
 * keeps the soft term's gradient on the scale of the hard term's as {@code T} grows.
 *
 * <p>DL4J hands a loss function one label array, so the labels are {@code [y | log p_teacher]}:
 * {@code 2C} columns, the one-hot labels then the teacher's log-probabilities (logits up to a
 * per-row constant, which the softmax ignores); {@link DistilledEpochs} builds them. The output
 * layer must have a softmax activation; the loss works on its pre-activations. Used only during
 * fine-tuning: the layer's cross-entropy loss is put back before the network is saved.
 */
public final class DistillationLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;
    private static final double LOG_FLOOR = 1e-10;
    private final double weight;
    private final double temperature;

    /**
     * @param weight      {@code w >= 0}, the soft term's weight
     * @param temperature {@code T > 0}
     */
    public DistillationLoss(double weight, double temperature) {
        if (!(weight >= 0) || !(temperature > 0)) {
            throw new IllegalArgumentException("distillation weight must be >= 0 and temperature > 0, but got weight "
                    + weight + " temperature " + temperature);
        }
        this.weight = weight;
        this.temperature = temperature;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
        return average ? sum / preOutput.size(0) : sum;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        Parts p = parts(labels, preOutput, activationFn);
        INDArray hard = p.y.mul(Transforms.log(Transforms.max(p.student, LOG_FLOOR), true)).sum(true, 1).negi();
        INDArray logQ = Transforms.log(Transforms.max(p.teacherSoft, LOG_FLOOR), true);
        INDArray logPs = Transforms.log(Transforms.max(p.studentSoft, LOG_FLOOR), true);
        INDArray kl = p.teacherSoft.mul(logQ.subi(logPs)).sum(true, 1);
        return hard.addi(kl.muli(weight * temperature * temperature));
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        Parts p = parts(labels, preOutput, activationFn);
        INDArray grad = p.student.sub(p.y);
        return grad.addi(p.studentSoft.sub(p.teacherSoft).muli(weight * temperature));
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                         INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
        return "distillation(w=" + weight + ",T=" + temperature + ")";
    }

    private record Parts(INDArray y, INDArray student, INDArray studentSoft, INDArray teacherSoft) {
    }

    private Parts parts(INDArray labels, INDArray preOutput, IActivation activationFn) {
        if (!(activationFn instanceof ActivationSoftmax)) {
            throw new IllegalStateException("distillation needs a softmax output layer, but its activation is "
                    + activationFn);
        }
        long c = preOutput.size(1);
        if (labels.size(1) != 2 * c) {
            throw new IllegalStateException("distillation labels need " + 2 * c + " columns ([labels | teacher "
                    + "log-probabilities]), got " + labels.size(1) + "; wrap the data in DistilledEpochs");
        }
        INDArray z = preOutput.castTo(DataType.FLOAT);
        INDArray y = labels.get(NDArrayIndex.all(), NDArrayIndex.interval(0, c)).castTo(DataType.FLOAT);
        INDArray t = labels.get(NDArrayIndex.all(), NDArrayIndex.interval(c, 2 * c)).castTo(DataType.FLOAT);
        return new Parts(y, softmax(z), softmax(z.div(temperature)), softmax(t.div(temperature)));
    }

    private static INDArray softmax(INDArray logits) {
        INDArray shifted = logits.subColumnVector(logits.max(1));
        INDArray e = Transforms.exp(shifted, false);
        return e.diviColumnVector(e.sum(1));
    }
}
