package org.pocketflow.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;

/** Weight decay is applied once per step: w loses lr·wd·w, not twice that. */
class WeightDecayOnceTest {
    private static final double LR = 0.1;
    private static final double WD = 0.01;

    private static TrainingSpec spec(double wd) {
        return new TrainingSpec(1, 8, LR, 0.0, wd, TrainingSpec.LrSchedule.CONSTANT, 1, 50);
    }

    @Test
    void everyZooLayerCarriesExactlyOneWeightDecay() {
        for (Architecture a : Architecture.values()) {
            ComputationGraph g = Trainer.withOptimizer(a.factory().create(new ImageShape(1, 28, 28), 10, 3), spec(WD), 10);
            for (var v : g.getConfiguration().getVertices().entrySet()) {
                if (v.getValue() instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BaseLayer layer) {
                    assertEquals(1, layer.getRegularization().size(), a + " " + v.getKey() + ": " + layer.getRegularization());
                    assertTrue(layer.getRegularization().get(0) instanceof WeightDecay);
                    assertTrue(layer.getRegularizationBias().isEmpty(), a + " " + v.getKey() + " biases are not decayed");
                }
            }
        }
    }

    @Test
    void oneSgdStepDecaysTheWeightsByLrTimesWdTimesW() {
        ComputationGraph base = Architecture.LENET.factory().create(new ImageShape(1, 28, 28), 10, 3);
        INDArray w0 = base.getParam("conv2_W").dup();
        DataSet batch = new DataSet(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 8, 1, 28, 28),
                Nd4j.eye(10).getRows(0, 1, 2, 3, 4, 5, 6, 7).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        ComputationGraph decayed = Trainer.withOptimizer(base.clone(), spec(WD), 10);
        ComputationGraph plain = Trainer.withOptimizer(base.clone(), spec(0), 10);
        decayed.fit(batch);
        plain.fit(batch);
        // same start, same gradient: the runs differ by the decay term alone
        INDArray decay = plain.getParam("conv2_W").sub(decayed.getParam("conv2_W"));
        INDArray expected = w0.mul(LR * WD);
        double scale = expected.amaxNumber().doubleValue();
        double error = decay.sub(expected).amaxNumber().doubleValue();
        assertTrue(error < 0.01 * scale, "decay off by " + error + " (lr*wd*|w| up to " + scale + "; twice the decay "
                + "would be off by ~" + scale + ")");
    }
}
