package org.pocketflow.worker.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.train.ImageSetEpochs;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * Batch-norm re-estimation after channel pruning: the statistics are those of each norm's input
 * as the re-estimated network produces it, nothing else changes, networks without batch norms are
 * left alone, and a pruned network scored without fine-tuning recovers most of what its stale
 * statistics cost.
 */
class BatchNormReestimationTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);
    private static final List<String> STATISTICS = List.of("mean", "var", "log10stdev");

    private static INDArray images(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, n, 1, 28, 28).subi(0.3).muli(2);
    }

    /** Sets every batch norm's statistics to values unrelated to its inputs. */
    private static void staleStatistics(ComputationGraph g, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (String name : BatchNormReestimation.batchNorms(g)) {
            var layer = g.getLayer(name);
            INDArray mean = layer.getParam("mean");
            for (long i = 0; i < mean.length(); i++) {
                mean.putScalar(i, rnd.nextDouble(-2, 2));
            }
            String v = layer.paramTable().containsKey("log10stdev") ? "log10stdev" : "var";
            INDArray var = layer.getParam(v);
            for (long i = 0; i < var.length(); i++) {
                var.putScalar(i, v.equals("var") ? rnd.nextDouble(0.1, 5) : rnd.nextDouble(-1, 1));
            }
        }
    }

    @Test
    void statisticsAreThoseOfEachNormsInputInTheReestimatedNetworkAndNothingElseChanges() {
        ComputationGraph g = BatchNormNetworks.residual(3);
        staleStatistics(g, 4);
        Map<String, INDArray> before = g.paramTable();
        Map<String, INDArray> copies = new java.util.LinkedHashMap<>();
        before.forEach((k, v) -> copies.put(k, v.dup()));
        INDArray x = images(96, 5);

        String note = new BatchNormReestimation(x).apply(g);

        assertEquals("batch norms re-estimated: 5 on 96 training images (adaptive batch norm)", note);
        // the direct computation: one inference-mode pass of the re-estimated network gives every norm's input
        Map<String, INDArray> activations = g.feedForward(new INDArray[]{x}, false);
        for (String name : BatchNormReestimation.batchNorms(g)) {
            INDArray in = BatchNormReestimation.inputOf(g, name, activations, x).castTo(DataType.DOUBLE);
            int[] axes = in.rank() == 4 ? new int[]{0, 2, 3} : new int[]{0};
            INDArray mean = in.mean(axes);
            INDArray var = in.var(false, axes);
            assertClose(mean, g.getLayer(name).getParam("mean"), 1e-4, name + " mean");
            assertClose(var, BatchNormReestimation.variance(g, name), 1e-3, name + " variance");
        }
        g.paramTable().forEach((k, v) -> {
            boolean statistic = STATISTICS.stream().anyMatch(s -> k.endsWith("_" + s));
            if (!statistic) {
                assertEquals(copies.get(k), v, k + " is not a statistic and must not change");
            } else {
                assertTrue(!copies.get(k).equals(v), k + " was stale and must change");
            }
        });
    }

    private static void assertClose(INDArray expected, INDArray actual, double relative, String what) {
        double[] e = expected.castTo(DataType.DOUBLE).toDoubleVector();
        double[] a = actual.castTo(DataType.DOUBLE).reshape(actual.length()).toDoubleVector();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], relative * Math.max(1, Math.abs(e[i])), what + " channel " + i);
        }
    }

    @Test
    void chunkedPassesPoolTheStatisticsOfTheChunks() {
        ComputationGraph one = BatchNormNetworks.residual(3);
        staleStatistics(one, 4);
        ComputationGraph chunked = one.clone();
        INDArray x = images(64, 6);
        new BatchNormReestimation(x).apply(one);
        new BatchNormReestimation(x, 16).apply(chunked);
        // the first norm's input does not depend on other norms: pooled chunks give the one-pass statistics
        assertClose(one.getLayer("stem_bn").getParam("mean"), chunked.getLayer("stem_bn").getParam("mean"), 1e-4,
                "stem_bn mean");
        assertClose(BatchNormReestimation.variance(one, "stem_bn"), BatchNormReestimation.variance(chunked, "stem_bn"),
                1e-3, "stem_bn variance");
    }

    @Test
    void networksWithoutBatchNormsAndReestimationOffAreUntouched() {
        ComputationGraph lenet = Architecture.LENET.factory().create(MNIST, 10, 7);
        INDArray params = lenet.params().dup();
        assertNull(new BatchNormReestimation(images(32, 8)).apply(lenet));
        assertEquals(params, lenet.params());

        ComputationGraph g = BatchNormNetworks.residual(3);
        staleStatistics(g, 4);
        INDArray stale = g.params().dup();
        assertNull(BatchNormReestimation.OFF.apply(g));
        assertNull(BatchNormReestimation.firstImages(images(32, 8), 0).apply(g));
        assertEquals(stale, g.params());
    }

    @Test
    void prunedNetworkScoredWithoutFineTuningRecoversWithReestimatedStatistics() {
        boolean present = Files.isDirectory(Path.of(DATA));
        assertTrue(present || !"true".equals(System.getenv("CI")), "Fashion-MNIST missing at " + DATA);
        assumeTrue(present, "Fashion-MNIST not installed");
        IdxDataset data = IdxDataset.open("file://" + DATA, 6000, 2000);
        ImageSet train = data.train();
        Normalizer norm = Normalizer.fit(train);
        TrainingSpec spec = new TrainingSpec(3, 64, 0.1, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, 3, 1000);
        ComputationGraph base = Trainer.withOptimizer(BatchNormNetworks.residual(3), spec, train.batchCount(64));
        new Trainer(spec, s -> { }).fit(base, new ImageSetEpochs(train, norm, 64, 3));
        double baseAccuracy = accuracy(base, data, norm);
        DataSet calibration = train.batchesInOrder(256, norm).next();
        LearnerOptions stale = new LearnerOptions(false, "l1", 1, 0, "uniform", 256, 1024, 0);
        LearnerOptions reestimated = new LearnerOptions(false, "l1", 1, 0, "uniform", 256, 1024, 256);
        Budget budget = Budget.macs(0.5);

        Compression without = LearnerCatalog.create("channel-pruning", stale, calibration, 1)
                .compress(base, data.shape(), Map.of(), budget);
        Compression with = LearnerCatalog.create("channel-pruning", reestimated, calibration, 1)
                .compress(base, data.shape(), Map.of(), budget);
        double staleAccuracy = accuracy(without.graph(), data, norm);
        double reestimatedAccuracy = accuracy(with.graph(), data, norm);

        System.out.printf("base %.4f, pruned to half the MACs: stale statistics %.4f, re-estimated %.4f%n",
                baseAccuracy, staleAccuracy, reestimatedAccuracy);
        assertTrue(baseAccuracy > 0.6, "three epochs on 6,000 Fashion-MNIST images: " + baseAccuracy);
        assertTrue(reestimatedAccuracy > staleAccuracy + 0.15, "re-estimated " + reestimatedAccuracy + " against stale "
                + staleAccuracy);
        assertTrue(with.notes().contains("batch norms re-estimated: 5 on 256 training images (adaptive batch norm)"),
                with.notes().toString());
        assertTrue(without.notes().stream().noneMatch(n -> n.startsWith("batch norms")), without.notes().toString());
        Map<String, String> provenance = new java.util.LinkedHashMap<>();
        BatchNormReestimation.record(with.notes(), provenance);
        assertEquals("5 on 256 training images (adaptive batch norm)", provenance.get(BatchNormReestimation.PROVENANCE_KEY));
    }

    private static double accuracy(ComputationGraph g, IdxDataset data, Normalizer norm) {
        return Evaluator.evaluate(g, data.test().batchesInOrder(500, norm)).accuracy();
    }
}
