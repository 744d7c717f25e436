package org.pocketflow.worker.learn.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

class DistillationLossTest {
    private static INDArray labels(INDArray y, INDArray teacherLogits) {
        INDArray t = teacherLogits.sub(teacherLogits.max(1).reshape(-1, 1));
        INDArray logp = t.subColumnVector(org.nd4j.linalg.ops.transforms.Transforms.log(
                org.nd4j.linalg.ops.transforms.Transforms.exp(t, true).sum(1).reshape(-1, 1), false));
        return Nd4j.hstack(y, logp);
    }

    @Test
    void gradientMatchesFiniteDifferencesOfTheScore() {
        Nd4j.getRandom().setSeed(3);
        INDArray z = Nd4j.randn(DataType.DOUBLE, 4, 5);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 4, 5);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, (i * 2) % 5, 1);
        }
        INDArray labels = labels(y, Nd4j.randn(DataType.DOUBLE, 4, 5).muli(2));
        DistillationLoss loss = new DistillationLoss(0.7, 3.0);
        INDArray grad = loss.computeGradient(labels, z, new ActivationSoftmax(), null);
        double h = 1e-3;
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 5; j++) {
                INDArray zp = z.dup();
                zp.putScalar(i, j, z.getDouble(i, j) + h);
                INDArray zm = z.dup();
                zm.putScalar(i, j, z.getDouble(i, j) - h);
                double numeric = (loss.computeScore(labels, zp, new ActivationSoftmax(), null, false)
                        - loss.computeScore(labels, zm, new ActivationSoftmax(), null, false)) / (2 * h);
                assertEquals(numeric, grad.getDouble(i, j), 1e-3, "d/dz[" + i + "," + j + "]");
            }
        }
    }

    @Test
    void withoutTheSoftTermItIsCrossEntropy() {
        Nd4j.getRandom().setSeed(4);
        INDArray z = Nd4j.randn(DataType.FLOAT, 3, 4);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 3, 4);
        y.putScalar(0, 1, 1);
        y.putScalar(1, 0, 1);
        y.putScalar(2, 3, 1);
        INDArray labels = labels(y, Nd4j.randn(DataType.FLOAT, 3, 4));
        double ours = new DistillationLoss(0, 2).computeScore(labels, z, new ActivationSoftmax(), null, true);
        double ce = new LossMCXENT().computeScore(y, z, new ActivationSoftmax(), null, true);
        assertEquals(ce, ours, 1e-5);
        // a student equal to its teacher pays nothing for the soft term
        INDArray same = labels(y, z);
        double with = new DistillationLoss(5, 4).computeScore(same, z, new ActivationSoftmax(), null, true);
        assertEquals(ce, with, 1e-4);
    }

    @Test
    void rejectsAWrongOutputLayerOrLabelWidth() {
        INDArray z = Nd4j.zeros(DataType.FLOAT, 2, 3);
        DistillationLoss loss = new DistillationLoss(1, 2);
        assertThrows(IllegalStateException.class,
                () -> loss.computeGradient(Nd4j.zeros(DataType.FLOAT, 2, 3), z, new ActivationSoftmax(), null));
        assertThrows(IllegalStateException.class,
                () -> loss.computeGradient(Nd4j.zeros(DataType.FLOAT, 2, 6), z, new ActivationIdentity(), null));
        assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(-1, 2));
        assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(1, 0));
    }
}
