package org.pocketflow.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;

/**
 * {@link BatchNormBackprop} against DL4J's own batch-norm backward (libnd4j's {@code batchnorm_bp}
 * through DL4J's oneDNN helper) and against a double-precision reference of the formula.
 */
class BatchNormBackpropTest {
    private static final double EPS = 1e-5;

    @BeforeAll
    static void onednn() {
        assertTrue(Backend.configure(true), "the comparison is against DL4J's oneDNN helper");
    }

    @Test
    void installsOnEveryBatchNormOfResNet20AndUninstallPutsDl4jsBack() {
        ComputationGraph g = resnet20(1);
        long batchNorms = java.util.Arrays.stream(g.getLayers())
                .filter(l -> l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization).count();
        assertTrue(batchNorms >= 19, "ResNet-20 batch norms: " + batchNorms);
        assertEquals(0, countMine(g));
        assertEquals(batchNorms, BatchNormBackprop.install(g));
        assertEquals(batchNorms, BatchNormBackprop.install(g), "installing twice changes nothing");
        assertEquals(batchNorms, countMine(g));
        BatchNormBackprop.uninstall(g);
        assertEquals(0, countMine(g));
        for (Layer l : g.getLayers()) {
            if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization bn) {
                assertInstanceOf(MKLDNNBatchNormHelper.class, bn.getHelper());
            }
        }
    }

    @Test
    void trainerInstallsItOnTheGraphsItTrains() {
        TrainingSpec spec = new TrainingSpec(1, 16, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        ComputationGraph g = Trainer.withOptimizer(resnet20(1), spec, 10);
        assertTrue(countMine(g) >= 19);
    }

    @Test
    void opMatchesDl4jAndADoublePrecisionReferenceOnResNetShapes() {
        Random rnd = new Random(3);
        // ResNet-20's stage shapes (the 7x7 one has a plane length that is no multiple of the unrolling)
        for (long[] shape : new long[][]{{16, 16, 28, 28}, {16, 32, 14, 14}, {16, 64, 7, 7}, {5, 3, 1, 1}}) {
            INDArray x = Nd4j.randn(DataType.FLOAT, shape).muli(3).addi(rnd.nextGaussian() * 4);
            INDArray dy = Nd4j.randn(DataType.FLOAT, shape);
            int c = (int) shape[1];
            INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, c).addi(0.5);
            INDArray beta = Nd4j.randn(DataType.FLOAT, 1, c);
            Grads stock = backward(new MKLDNNBatchNormHelper(DataType.FLOAT), x, dy, gamma, beta);
            Grads mine = backward(new BatchNormBackprop(new MKLDNNBatchNormHelper(DataType.FLOAT)), x, dy, gamma, beta);
            Grads exact = reference(x, dy, gamma);
            String at = java.util.Arrays.toString(shape);
            assertClose(exact.dx, mine.dx, 2e-6, "dx vs reference " + at);
            assertClose(exact.dGamma, mine.dGamma, 2e-6, "dGamma vs reference " + at);
            assertClose(exact.dBeta, mine.dBeta, 2e-6, "dBeta vs reference " + at);
            assertClose(stock.dx, mine.dx, 1e-5, "dx vs DL4J " + at);
            assertClose(stock.dGamma, mine.dGamma, 1e-5, "dGamma vs DL4J " + at);
            assertClose(stock.dBeta, mine.dBeta, 1e-5, "dBeta vs DL4J " + at);
        }
    }

    @Test
    void gradientInAnotherLayoutIsReadInItsLogicalOrder() {
        long[] shape = {8, 4, 5, 5};
        INDArray x = Nd4j.randn(DataType.FLOAT, shape);
        INDArray dyC = Nd4j.randn(DataType.FLOAT, shape);
        INDArray dyF = dyC.dup('f');
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, 4).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, 1, 4);
        Grads a = backward(new BatchNormBackprop(new MKLDNNBatchNormHelper(DataType.FLOAT)), x, dyC, gamma, beta);
        Grads b = backward(new BatchNormBackprop(new MKLDNNBatchNormHelper(DataType.FLOAT)), x, dyF, gamma, beta);
        assertClose(a.dx, b.dx, 0, "dx");
        assertClose(a.dGamma, b.dGamma, 0, "dGamma");
    }

    @Test
    void resNet20StepsEqualStockDl4jStepsIncludingRunningStatistics() {
        TrainingSpec spec = new TrainingSpec(1, 32, 0.05, 0.9, 5e-4, TrainingSpec.LrSchedule.CONSTANT, 1, 1000);
        ComputationGraph mine = Trainer.withOptimizer(resnet20(7), spec, 10);
        BatchNormForward.uninstall(mine); // DL4J's forward pass: this test is about the backward pass alone
        ComputationGraph stock = mine.clone();
        BatchNormBackprop.uninstall(stock);
        assertTrue(countMine(mine) >= 19);
        assertEquals(0, countMine(stock));
        List<DataSet> batches = batches(6, 32, 11);

        // the first step's gradients, every parameter array (running mean and variance included)
        for (ComputationGraph g : List.of(mine, stock)) {
            g.setInputs(batches.get(0).getFeatures());
            g.setLabels(batches.get(0).getLabels());
            g.computeGradientAndScore();
        }
        assertEquals(stock.score(), mine.score(), 1e-6 * Math.abs(stock.score()));
        assertNear(stock.gradient().gradient(), mine.gradient().gradient(), 1e-5, "whole gradient");
        Map<String, INDArray> want = stock.gradient().gradientForVariable();
        Map<String, INDArray> got = mine.gradient().gradientForVariable();
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            // float sums in another order: the last block's small, cancelling gradients differ by up to 2.3e-5
            assertNear(want.get(k), got.get(k), 1e-4, "gradient " + k);
        }

        // six optimizer steps, each from the same parameters and momentum (a ResNet on random data
        // is chaotic: a 1e-6 change of the weights grows to 1e-2 in three steps, so steps are
        // compared one at a time): the updates to weights, gamma and beta agree, and DL4J's running
        // mean and variance (decay convention included) are updated identically
        for (DataSet b : batches) {
            stock.setParams(mine.params().dup());
            stock.getUpdater().getStateViewArray().assign(mine.getUpdater().getStateViewArray());
            INDArray start = mine.params().dup();
            Map<String, INDArray> before = copy(mine.paramTable());
            mine.fit(b);
            stock.fit(b);
            assertNear(stock.params().sub(start), mine.params().sub(start), 1e-5, "whole update");
            for (String k : before.keySet()) {
                INDArray stockStep = stock.getParam(k).sub(before.get(k));
                INDArray mineStep = mine.getParam(k).sub(before.get(k));
                if (k.endsWith("_mean") || k.endsWith("_var") || k.endsWith("_log10stdev")) {
                    assertEquals(stock.getParam(k), mine.getParam(k), "running statistic " + k);
                } else {
                    assertNear(stockStep, mineStep, 1e-4, "update of " + k);
                }
            }
        }
        INDArray probe = batches.get(0).getFeatures();
        assertNear(stock.outputSingle(false, probe), mine.outputSingle(false, probe), 1e-5, "inference output");
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> params) {
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    @Test
    void batchNormAfterADenseLayerMatchesStockDl4j() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).updater(new Nesterovs(0.1, 0.9))
                .graphBuilder().addInputs("in")
                .addLayer("fc", new DenseLayer.Builder().nOut(24).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().activation(Activation.RELU).build(), "fc")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "bn")
                .setOutputs("out").setInputTypes(InputType.feedForward(10)).build();
        ComputationGraph stock = new ComputationGraph(conf);
        stock.init();
        ComputationGraph mine = stock.clone();
        assertEquals(1, BatchNormBackprop.install(mine));
        Random rnd = new Random(2);
        for (int step = 0; step < 5; step++) {
            INDArray f = Nd4j.randn(DataType.FLOAT, 20, 10).addi(1.5);
            INDArray l = Nd4j.zeros(DataType.FLOAT, 20, 3);
            for (int i = 0; i < 20; i++) {
                l.putScalar(i, rnd.nextInt(3), 1f);
            }
            stock.fit(new DataSet(f, l));
            mine.fit(new DataSet(f, l));
        }
        assertNear(stock.params(), mine.params(), 1e-5, "parameters after 5 steps");
    }

    private record Grads(INDArray dx, INDArray dGamma, INDArray dBeta) {
    }

    private static Grads backward(org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper helper,
                                  INDArray x, INDArray dy, INDArray gamma, INDArray beta) {
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        int c = (int) x.size(1);
        INDArray runMean = Nd4j.zeros(DataType.FLOAT, 1, c);
        INDArray runVar = Nd4j.ones(DataType.FLOAT, 1, c);
        helper.preOutput(x, true, x.shape(), gamma, beta, runMean, runVar, 0.9, EPS, CNN2DFormat.NCHW, ws);
        INDArray dGamma = Nd4j.create(DataType.FLOAT, 1, c);
        INDArray dBeta = Nd4j.create(DataType.FLOAT, 1, c);
        Pair<Gradient, INDArray> out = helper.backpropGradient(x, dy, x.shape(), gamma, beta, dGamma, dBeta, EPS,
                CNN2DFormat.NCHW, ws);
        assertEquals(dGamma, out.getFirst().getGradientFor("gamma"));
        assertEquals(dBeta, out.getFirst().getGradientFor("beta"));
        return new Grads(out.getSecond(), dGamma, dBeta);
    }

    /** The textbook gradients, in double precision, straight from the definition. */
    private static Grads reference(INDArray x, INDArray dy, INDArray gamma) {
        int n = (int) x.size(0);
        int c = (int) x.size(1);
        int s = (int) (x.size(2) * x.size(3));
        double[] xs = x.dup('c').data().asDouble();
        double[] dys = dy.dup('c').data().asDouble();
        double[] dx = new double[xs.length];
        double[] dGamma = new double[c];
        double[] dBeta = new double[c];
        double m = (double) n * s;
        for (int ch = 0; ch < c; ch++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < s; k++) {
                    mean += xs[(i * c + ch) * s + k];
                }
            }
            mean /= m;
            double var = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < s; k++) {
                    double d = xs[(i * c + ch) * s + k] - mean;
                    var += d * d;
                }
            }
            var /= m;
            double std = Math.sqrt(var + EPS);
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < s; k++) {
                    int at = (i * c + ch) * s + k;
                    dBeta[ch] += dys[at];
                    dGamma[ch] += dys[at] * (xs[at] - mean) / std;
                }
            }
            double g = gamma.getDouble(ch);
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < s; k++) {
                    int at = (i * c + ch) * s + k;
                    double xHat = (xs[at] - mean) / std;
                    dx[at] = g / std * (dys[at] - dBeta[ch] / m - xHat * dGamma[ch] / m);
                }
            }
        }
        return new Grads(Nd4j.create(dx, x.shape(), 'c'), Nd4j.create(dGamma, 1, c), Nd4j.create(dBeta, 1, c));
    }

    /** Largest difference at most {@code relative} times the largest magnitude of {@code want}. */
    private static void assertClose(INDArray want, INDArray got, double relative, String what) {
        INDArray w = want.castTo(DataType.DOUBLE);
        INDArray g = got.castTo(DataType.DOUBLE);
        assertTrue(java.util.Arrays.equals(w.shape(), g.shape()), what + ": shapes differ");
        double scale = w.amaxNumber().doubleValue();
        double diff = w.sub(g).amaxNumber().doubleValue();
        assertTrue(diff <= relative * scale, what + ": largest difference " + diff + " against largest value "
                + scale + " (relative " + (scale == 0 ? diff : diff / scale) + ", bound " + relative + ")");
    }

    /** Euclidean norm of the difference at most {@code relative} times the norm of {@code want}. */
    private static void assertNear(INDArray want, INDArray got, double relative, String what) {
        INDArray w = want.castTo(DataType.DOUBLE);
        INDArray g = got.castTo(DataType.DOUBLE);
        assertTrue(java.util.Arrays.equals(w.shape(), g.shape()), what + ": shapes differ");
        double norm = w.norm2Number().doubleValue();
        double diff = w.sub(g).norm2Number().doubleValue();
        assertTrue(diff <= relative * norm, what + ": |difference| " + diff + " against |value| " + norm
                + " (relative " + (norm == 0 ? diff : diff / norm) + ", bound " + relative + ")");
    }

    private static long countMine(ComputationGraph g) {
        return java.util.Arrays.stream(g.getLayers())
                .filter(l -> l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization bn
                        && (bn.getHelper() instanceof BatchNormBackprop || bn.getHelper() instanceof BatchNormForward))
                .count();
    }

    static ComputationGraph resnet20(long seed) {
        return Architecture.RESNET20.factory().create(new ImageShape(1, 28, 28), 10, seed);
    }

    /** Random images with a per-image offset (so batch statistics move) and random one-hot labels. */
    static List<DataSet> batches(int count, int size, long seed) {
        Random rnd = new Random(seed);
        Nd4j.getRandom().setSeed(seed);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            INDArray f = Nd4j.randn(DataType.FLOAT, size, 1, 28, 28).addi(rnd.nextGaussian());
            INDArray l = Nd4j.zeros(DataType.FLOAT, size, 10);
            for (int i = 0; i < size; i++) {
                l.putScalar(i, rnd.nextInt(10), 1f);
            }
            out.add(new DataSet(f, l));
        }
        return out;
    }
}
