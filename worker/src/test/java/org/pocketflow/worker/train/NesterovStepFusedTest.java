package org.pocketflow.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;

/**
 * {@link NesterovStepFused} against DL4J's updater: two copies of the same network stepped by
 * {@link ReplicaStep} on the same minibatches, one with the fused step, one with DL4J's updater; the
 * same parameters, momentum and updates bit for bit.
 */
class NesterovStepFusedTest {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    @BeforeAll
    static void onednn() {
        assertTrue(Backend.configure(true));
    }

    @Test
    void lenetAndResNet20StepAsWithDl4jsUpdater() {
        assertTrue(NesterovStepFused.FMA, "this machine's CPU has FMA3, as libnd4j's AVX2 build needs");
        // a step schedule whose learning rate falls within the steps, so the per-step rate is read as DL4J reads it
        TrainingSpec spec = new TrainingSpec(1, 32, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.STEP, 1, 1000);
        for (Architecture arch : List.of(Architecture.LENET, Architecture.RESNET20)) {
            int steps = arch == Architecture.LENET ? 12 : 4;
            ComputationGraph fusedNet = Trainer.withOptimizer(arch.factory().create(MNIST, 10, 5), spec, steps);
            ComputationGraph stockNet = Trainer.withOptimizer(arch.factory().create(MNIST, 10, 5), spec, steps);
            assertNotNull(NesterovStepFused.of(fusedNet, UpdaterPositions.updatedDirectly(fusedNet)),
                    arch + ": the product's optimizer is covered");
            try (ReplicaStep fused = new ReplicaStep(fusedNet, 2, 2); ReplicaStep stock = new ReplicaStep(stockNet, 2, 2)) {
                stock.fuseUpdate(false);
                for (DataSet b : ReluBackpropTest.batches(steps, 32, 11)) {
                    // the weight decay's part is summed in double here, by libnd4j's float norm2 in DL4J, which is off
                    // by up to 1e-4 of it: compare with DL4J's score with that part in double
                    double inDouble = decayScoreInDouble(stockNet) - stockNet.calcRegularizationScore(true);
                    double want = stock.step(b) + inDouble;
                    assertEquals(want, fused.step(b), 1e-12 * Math.abs(want), arch + ": score");
                }
            }
            assertBitIdentical(stockNet.params(), fusedNet.params(), arch + ": parameters");
            assertBitIdentical(stockNet.getUpdater().getStateViewArray(), fusedNet.getUpdater().getStateViewArray(),
                    arch + ": momentum");
            assertBitIdentical(stockNet.getFlattenedGradients(), fusedNet.getFlattenedGradients(),
                    arch + ": the last update, left in the gradient");
            assertEquals(stockNet.getIterationCount(), fusedNet.getIterationCount());
        }
    }

    @Test
    void outsideAStepTheNetworkScoresItsWeightDecayAndSavesDl4jsConfiguration() {
        TrainingSpec spec = new TrainingSpec(1, 32, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        ComputationGraph net = Trainer.withOptimizer(Architecture.LENET.factory().create(MNIST, 10, 5), spec, 10);
        List<DataSet> batches = ReluBackpropTest.batches(3, 32, 7);
        try (ReplicaStep copies = new ReplicaStep(net, 2, 2)) {
            for (DataSet b : batches) {
                copies.step(b);
            }
            assertTrue(((BaseLayer) net.getLayer("fc1").conf().getLayer()).getRegularization().get(0)
                    instanceof DeferredWeightDecay, "the network's own layers leave the score to the fused step");
        }
        for (var layer : net.getLayers()) {
            if (layer.conf().getLayer() instanceof BaseLayer b) {
                b.getRegularization().forEach(r -> assertEquals(WeightDecay.class, r.getClass(), "after close"));
            }
        }
        assertTrue(net.getLayer("output").conf().getLayer()
                == ((LayerVertex) net.getConfiguration().getVertices().get("output")).getLayerConf().getLayer(),
                "the output layer has the graph's configuration object back (a learner's loss change reaches it)");
        // what is saved: DL4J's own weight decay
        assertTrue(!net.getConfiguration().toJson().contains("Deferred"));
        for (var v : net.getConfiguration().getVertices().values()) {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BaseLayer layer) {
                layer.getRegularization().forEach(r -> assertEquals(WeightDecay.class, r.getClass()));
            }
        }

        ComputationGraph fresh = new ComputationGraph(net.getConfiguration().clone());
        fresh.init(net.params().dup(), false);
        Trainer.useFasterBackprop(fresh);
        for (ComputationGraph g : List.of(net, fresh)) {
            g.setInputs(batches.get(0).getFeatures());
            g.setLabels(batches.get(0).getLabels());
            g.computeGradientAndScore();
        }
        assertEquals(fresh.score(), net.score(), "the score with the weight decay's part, as DL4J computes it");
        assertTrue(net.calcRegularizationScore(true) > 0);
    }

    @Test
    void otherOptimizersAndRegularizationGoToDl4jsUpdater() {
        TrainingSpec spec = new TrainingSpec(1, 32, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        ComputationGraph adam = new TransferLearning.GraphBuilder(Architecture.LENET.factory().create(MNIST, 10, 5))
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-3)).build()).build();
        assertNull(NesterovStepFused.of(adam, UpdaterPositions.updatedDirectly(adam)), "Adam");

        ComputationGraph l2 = Trainer.withOptimizer(Architecture.LENET.factory().create(MNIST, 10, 5), spec, 10);
        for (var v : l2.getConfiguration().getVertices().values()) {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BaseLayer layer) {
                layer.setRegularization(new ArrayList<>(List.of(new L2Regularization(1e-4))));
            }
        }
        ComputationGraph rebuilt = new ComputationGraph(l2.getConfiguration());
        rebuilt.init(l2.params(), false);
        assertNull(NesterovStepFused.of(rebuilt, UpdaterPositions.updatedDirectly(rebuilt)), "L2 regularization");

        // and such a network still trains by copies, with DL4J's updater
        ComputationGraph stepped = new ComputationGraph(rebuilt.getConfiguration().clone());
        stepped.init(rebuilt.params().dup(), false);
        try (ReplicaStep copies = new ReplicaStep(stepped, 2, 2)) {
            List<DataSet> batches = ReluBackpropTest.batches(3, 32, 4);
            for (DataSet b : batches) {
                rebuilt.fit(b);
                copies.step(b);
            }
        }
        assertClose(rebuilt.params(), stepped.params(), 2e-5, "L2: parameters after 3 steps");
    }

    /** {@code Σ coeff/2·Σw²} over the decayed parameters, in double. */
    private static double decayScoreInDouble(ComputationGraph g) {
        double score = 0;
        for (var layer : g.getLayers()) {
            for (var p : layer.paramTable().entrySet()) {
                var regs = layer.conf().getLayer().getRegularizationByParam(p.getKey());
                if (regs != null && !regs.isEmpty()) {
                    double squares = 0;
                    for (double x : p.getValue().reshape(p.getValue().length()).toDoubleVector()) {
                        squares += x * x;
                    }
                    score += ((WeightDecay) regs.get(0)).getCoeff().valueAt(0, 0) * 0.5 * squares;
                }
            }
        }
        return score;
    }

    private static void assertBitIdentical(INDArray want, INDArray got, String what) {
        assertEquals(0, want.neq(got).castTo(DataType.INT).sumNumber().intValue(), what + ": positions that differ");
    }

    private static void assertClose(INDArray want, INDArray got, double tolerance, String what) {
        double scale = Math.max(1e-12, want.amaxNumber().doubleValue());
        double diff = want.sub(got).amaxNumber().doubleValue();
        assertTrue(diff <= tolerance * scale, what + ": largest difference " + diff + " against largest value " + scale);
    }
}
