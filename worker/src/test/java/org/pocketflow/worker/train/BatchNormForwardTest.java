package org.pocketflow.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pocketflow.worker.train.BatchNormBackpropTest.batches;
import static org.pocketflow.worker.train.BatchNormBackpropTest.resnet20;

import java.util.Random;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.runtime.Backend;

/**
 * {@link BatchNormForward} against DL4J's own training-mode batch-norm forward pass (DL4J's oneDNN
 * helper: libnd4j's mean and variance reductions and {@code batchnorm} op).
 */
class BatchNormForwardTest {
    private static final double EPS = 1e-5;

    @BeforeAll
    static void onednn() {
        assertTrue(Backend.configure(true), "the comparison is against DL4J's oneDNN helper");
    }

    @Test
    void outputAndBatchStatisticsMatchDl4jOnResNetShapes() {
        Random rnd = new Random(4);
        // ResNet-20's stage shapes (7x7 planes are no multiple of the unrolling), a 1x1 plane, a mean far from 0
        for (long[] shape : new long[][]{{16, 16, 28, 28}, {16, 32, 14, 14}, {16, 64, 7, 7}, {5, 3, 1, 1}}) {
            INDArray x = Nd4j.randn(DataType.FLOAT, shape).muli(3).addi(rnd.nextGaussian() * 4 + 20);
            int c = (int) shape[1];
            INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, c).addi(0.5);
            INDArray beta = Nd4j.randn(DataType.FLOAT, 1, c);
            MKLDNNBatchNormHelper stockHelper = new MKLDNNBatchNormHelper(DataType.FLOAT);
            BatchNormForward mine = new BatchNormForward(new BatchNormBackprop(new MKLDNNBatchNormHelper(DataType.FLOAT)));
            INDArray want = forward(stockHelper, x, gamma, beta, true);
            INDArray got = forward(mine, x, gamma, beta, true);
            String at = java.util.Arrays.toString(shape);
            assertClose(want, got, 1e-5, "output " + at);
            double[][] exact = statistics(x);
            assertClose(Nd4j.createFromArray(exact[0]), mine.getMeanCache(DataType.FLOAT), 2e-7, "mean vs reference " + at);
            assertClose(Nd4j.createFromArray(exact[1]), mine.getVarCache(DataType.FLOAT), 1e-6, "variance vs reference " + at);
            assertClose(stockHelper.getMeanCache(DataType.FLOAT), mine.getMeanCache(DataType.FLOAT), 1e-5, "mean " + at);
            assertClose(stockHelper.getVarCache(DataType.FLOAT), mine.getVarCache(DataType.FLOAT), 1e-5, "variance " + at);
        }
    }

    @Test
    void inferenceAndViewsGoThroughCorrectly() {
        INDArray x = Nd4j.randn(DataType.FLOAT, 8, 4, 5, 5).addi(2);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, 4).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 1, 4);
        MKLDNNBatchNormHelper stockHelper = new MKLDNNBatchNormHelper(DataType.FLOAT);
        BatchNormForward mine = new BatchNormForward(new BatchNormBackprop(new MKLDNNBatchNormHelper(DataType.FLOAT)));
        // inference uses the running statistics through DL4J's helper: identical
        assertEquals(forward(stockHelper, x, gamma, beta, false), forward(mine, x, gamma, beta, false));
        // an input in another layout (a permuted view) is read in its logical order
        INDArray permuted = x.permute(0, 1, 3, 2).dup('c').permute(0, 1, 3, 2);
        assertClose(forward(mine, x, gamma, beta, true), forward(mine, permuted, gamma, beta, true), 0, "view");
    }

    @Test
    void installsOverBatchNormBackpropAndUninstallsBackToIt() {
        ComputationGraph g = resnet20(3);
        int batchNorms = BatchNormBackprop.install(g);
        assertTrue(batchNorms >= 19);
        assertEquals(batchNorms, BatchNormForward.install(g));
        assertEquals(batchNorms, BatchNormForward.install(g), "installing twice changes nothing");
        assertEquals(batchNorms, count(g, BatchNormForward.class));
        BatchNormForward.uninstall(g);
        assertEquals(batchNorms, count(g, BatchNormBackprop.class));
        BatchNormForward.install(g);
        BatchNormBackprop.uninstall(g);
        assertEquals(batchNorms, count(g, MKLDNNBatchNormHelper.class), "DL4J's helper back under both");
        assertEquals(batchNorms, count(Trainer.withOptimizer(resnet20(3), spec(), 10), BatchNormForward.class),
                "the trainer installs it");
    }

    @Test
    void replicaCopiesUseThePassesTheNetworkUses() {
        ComputationGraph g = Trainer.withOptimizer(resnet20(3), spec(), 10);
        int batchNorms = (int) count(g, BatchNormForward.class);
        ComputationGraph copy = new ComputationGraph(g.getConfiguration().clone());
        copy.init(g.params(), false);
        Trainer.useFasterBackpropAs(g, copy);
        assertEquals(batchNorms, count(copy, BatchNormForward.class));
        assertTrue(InputConvBackprop.usedBy(copy));
        BatchNormForward.uninstall(g);
        ComputationGraph without = new ComputationGraph(g.getConfiguration().clone());
        without.init(g.params(), false);
        Trainer.useFasterBackpropAs(g, without);
        assertEquals(0, count(without, BatchNormForward.class));
        assertEquals(batchNorms, count(without, BatchNormBackprop.class));
        assertTrue(InputConvBackprop.usedBy(without));
        assertTrue(ReluBackprop.usedBy(without));
    }

    /**
     * ResNet-20's gradient (random weights, random data) is ill-conditioned: scaling DL4J's own input
     * by 1 + 1e-6 moves DL4J's whole gradient by 0.1-0.4% (ReLU masks flip, batch norms amplify),
     * so float results in another summation order cannot agree to 1e-5. The yardstick is the same
     * network in double precision: the gradient with this forward pass is no further from it than
     * DL4J's own float gradient is (within 1.5x); the score agrees to 1e-6 and the running
     * statistics' updates to 1e-5.
     */
    @Test
    void resNet20GradientsAreAsCloseToDoublePrecisionAsDl4jsOwn() {
        ComputationGraph mine = Trainer.withOptimizer(resnet20(7), spec(), 10);
        ComputationGraph stock = mine.clone();
        BatchNormBackprop.uninstall(stock);
        ComputationGraph exact = stock.convertDataType(DataType.DOUBLE);
        assertTrue(count(mine, BatchNormForward.class) >= 19);
        assertEquals(0, count(stock, BatchNormForward.class));
        for (DataSet b : batches(3, 32, 11)) {
            INDArray truth = gradient(exact, b.getFeatures().castTo(DataType.DOUBLE),
                    b.getLabels().castTo(DataType.DOUBLE));
            INDArray want = gradient(stock, b.getFeatures(), b.getLabels());
            INDArray got = gradient(mine, b.getFeatures(), b.getLabels());
            assertEquals(stock.score(), mine.score(), 1e-6 * Math.abs(stock.score()));
            double dl4j = distance(truth, want);
            double ours = distance(truth, got);
            assertTrue(dl4j < 0.05, "DL4J's float gradient from double precision: " + dl4j);
            assertTrue(ours <= 1.5 * dl4j, "from double precision: ours " + ours + ", DL4J's " + dl4j);
            // the running statistics' updates (DL4J's "gradient" of the running mean and variance)
            for (String k : stock.paramTable().keySet()) {
                if (k.endsWith("_mean") || k.endsWith("_log10stdev")) {
                    assertNear(stock.gradient().getGradientFor(k), mine.gradient().getGradientFor(k), 1e-5,
                            "running statistic " + k);
                }
            }
        }
        // a step leaves the same running statistics
        DataSet b = batches(1, 32, 12).get(0);
        stock.setParams(mine.params().dup());
        stock.getUpdater().getStateViewArray().assign(mine.getUpdater().getStateViewArray());
        mine.fit(b);
        stock.fit(b);
        for (String k : stock.paramTable().keySet()) {
            if (k.endsWith("_mean") || k.endsWith("_log10stdev")) {
                assertNear(stock.getParam(k), mine.getParam(k), 1e-5, "running statistic after a step " + k);
            }
        }
        INDArray probe = b.getFeatures();
        assertNear(stock.outputSingle(false, probe), mine.outputSingle(false, probe), 1e-4, "inference output");
    }

    private static INDArray gradient(ComputationGraph g, INDArray features, INDArray labels) {
        g.setInputs(features);
        g.setLabels(labels);
        g.computeGradientAndScore();
        return g.gradient().gradient().dup();
    }

    private static double distance(INDArray want, INDArray got) {
        return want.sub(got).norm2Number().doubleValue() / want.norm2Number().doubleValue();
    }

    /** Each channel's mean and biased variance in double precision. */
    private static double[][] statistics(INDArray x) {
        int n = (int) x.size(0);
        int c = (int) x.size(1);
        int s = (int) (x.size(2) * x.size(3));
        double[] xs = x.dup('c').data().asDouble();
        double[][] out = new double[2][c];
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < s; k++) {
                    sum += xs[(i * c + ch) * s + k];
                }
            }
            double mean = sum / ((double) n * s);
            double sq = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < s; k++) {
                    double d = xs[(i * c + ch) * s + k] - mean;
                    sq += d * d;
                }
            }
            out[0][ch] = mean;
            out[1][ch] = sq / ((double) n * s);
        }
        return out;
    }

    private static INDArray forward(BatchNormalizationHelper helper, INDArray x, INDArray gamma, INDArray beta,
                                    boolean training) {
        int c = (int) x.size(1);
        INDArray runMean = Nd4j.arange(c).castTo(DataType.FLOAT).reshape(1, c).muli(0.1);
        INDArray runVar = Nd4j.ones(DataType.FLOAT, 1, c).muli(2);
        return helper.preOutput(x, training, x.shape(), gamma, beta, runMean, runVar, 0.9, EPS, CNN2DFormat.NCHW,
                LayerWorkspaceMgr.noWorkspaces()).dup();
    }

    private static long count(ComputationGraph g, Class<?> helper) {
        long n = 0;
        for (Layer l : g.getLayers()) {
            n += l instanceof BatchNormalization bn && helper.isInstance(bn.getHelper()) ? 1 : 0;
        }
        return n;
    }

    private static TrainingSpec spec() {
        return new TrainingSpec(1, 32, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
    }

    /** Largest absolute difference within {@code relative} of the largest absolute value. */
    private static void assertClose(INDArray want, INDArray got, double relative, String what) {
        INDArray w = want.castTo(DataType.DOUBLE).reshape(want.length());
        INDArray g = got.castTo(DataType.DOUBLE).reshape(got.length());
        double diff = w.sub(g).amaxNumber().doubleValue();
        double scale = w.amaxNumber().doubleValue();
        assertTrue(diff <= relative * scale, what + ": largest difference " + diff + " against largest value " + scale);
    }

    /** Euclidean norm of the difference within {@code relative} of the norm of {@code want}. */
    private static void assertNear(INDArray want, INDArray got, double relative, String what) {
        INDArray w = want.castTo(DataType.DOUBLE).reshape(want.length());
        INDArray g = got.castTo(DataType.DOUBLE).reshape(got.length());
        double diff = w.sub(g).norm2Number().doubleValue();
        double norm = w.norm2Number().doubleValue();
        assertTrue(diff <= relative * norm, what + ": |difference| " + diff + " against |value| " + norm);
    }
}
