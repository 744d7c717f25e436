package org.pocketflow.worker.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluation;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.model.Architecture;

class TrainerTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";

    private static IdxDataset subset() {
        assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        return IdxDataset.open("file://" + DATA, 6000, 2000);
    }

    /** A loss beyond float's range is divergence: the fused step's double weight-decay sum does not overflow as DL4J's float one does. */
    @Test
    void aLossBeyondFloatRangeIsDivergence() {
        assertTrue(Trainer.diverged(Double.NaN) && Trainer.diverged(Double.POSITIVE_INFINITY));
        assertTrue(Trainer.diverged(4.0e38) && Trainer.diverged(-4.0e38), "beyond Float.MAX_VALUE");
        assertTrue(!Trainer.diverged(2.3) && !Trainer.diverged(1e30));
    }

    @Test
    void lenetOnFashionMnistSubsetClearsAccuracyBound() {
        IdxDataset data = subset();
        ImageSet train = data.train();
        Normalizer norm = Normalizer.fit(train);
        TrainingSpec spec = new TrainingSpec(2, 64, 0.02, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, 3, 50);
        ComputationGraph g = Architecture.LENET.factory().create(data.shape(), data.classes(), 3);
        Evaluation before = Evaluator.evaluate(g, data.test().batchesInOrder(256, norm));
        g = Trainer.withOptimizer(g, spec, train.batchCount(64));
        List<String> progress = new ArrayList<>();
        List<EpochStats> stats = new Trainer(spec, progress::add).fit(g, epochs(train, norm, spec));
        Evaluation after = Evaluator.evaluate(g, data.test().batchesInOrder(256, norm));
        assertEquals(2, stats.size());
        assertTrue(stats.get(1).meanLoss() < stats.get(0).meanLoss(), "loss should fall: " + stats);
        assertTrue(before.accuracy() < 0.3, "untrained accuracy " + before.accuracy());
        // 6k images, 2 epochs: published LeNet curves are near 85%; anything under 78% is a regression
        assertTrue(after.accuracy() > 0.78, "test accuracy after 2 epochs on 6k images: " + after.accuracy());
        assertTrue(progress.stream().anyMatch(l -> l.contains("samples/s") && l.contains("ETA")), progress.toString());
    }

    @Test
    void sameSeedGivesIdenticalWeightsAfterTraining() {
        IdxDataset data = IdxDataset.open("file://" + DATA, 640, 10);
        assumeTrue(data.train().size() == 640);
        Normalizer norm = Normalizer.fit(data.train());
        TrainingSpec spec = new TrainingSpec(1, 64, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.STEP, 5, 1000);
        float[] a = trainedWeights(data, norm, spec, 11);
        float[] b = trainedWeights(data, norm, spec, 11);
        float[] c = trainedWeights(data, norm, spec, 12);
        assertArrayEquals(a, b);
        assertTrue(!java.util.Arrays.equals(a, c), "a different seed must give different weights");
    }

    @Test
    void keptForwardResultsGiveTheSameStepsAsRecomputedOnes() {
        IdxDataset data = IdxDataset.open("file://" + DATA, 640, 10);
        assumeTrue(data.train().size() == 640);
        Normalizer norm = Normalizer.fit(data.train());
        TrainingSpec spec = new TrainingSpec(1, 64, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 5, 1000);
        ComputationGraph kept = Trainer.withOptimizer(
                Architecture.RESNET20.factory().create(data.shape(), data.classes(), 5), spec, 10);
        ComputationGraph recomputed = kept.clone();
        Trainer.useFasterBackprop(recomputed);
        recomputed.getConfiguration().setCacheMode(CacheMode.NONE);
        recomputed.setCacheMode(CacheMode.NONE);
        assertEquals(CacheMode.DEVICE, kept.getConfiguration().getCacheMode());
        for (ComputationGraph g : List.of(kept, recomputed)) {
            new Trainer(spec, l -> { }).fit(g, new ImageSetEpochs(data.train(), norm, spec.batchSize(), 5));
        }
        // convolutions and batch norms over 10 steps: the kept forward result is the recomputed one
        assertArrayEquals(recomputed.params().toFloatVector(), kept.params().toFloatVector(), 1e-6f);
    }

    @Test
    void cosineScheduleDecaysToZero() {
        CosineSchedule s = new CosineSchedule(0.1, 100);
        assertEquals(0.1, s.valueAt(0, 0), 1e-12);
        assertEquals(0.05, s.valueAt(50, 0), 1e-12);
        assertEquals(0.0, s.valueAt(100, 0), 1e-12);
        assertEquals(0.0, s.valueAt(500, 3), 1e-12);
    }

    private static float[] trainedWeights(IdxDataset data, Normalizer norm, TrainingSpec spec, long seed) {
        ComputationGraph g = Architecture.LENET.factory().create(data.shape(), data.classes(), seed);
        g = Trainer.withOptimizer(g, spec, data.train().batchCount(64));
        // the seed drives both the initial weights and the data order
        new Trainer(spec, l -> { }).fit(g, new ImageSetEpochs(data.train(), norm, spec.batchSize(), seed));
        return g.params().toFloatVector();
    }

    private static EpochData epochs(ImageSet train, Normalizer norm, TrainingSpec spec) {
        return new ImageSetEpochs(train, norm, spec.batchSize(), spec.seed());
    }
}
