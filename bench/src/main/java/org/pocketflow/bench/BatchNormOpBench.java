package org.pocketflow.bench;

import java.util.Arrays;
import java.util.Locale;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.train.BatchNormBackprop;

/**
 * Batch normalisation's training ops on their own, on ResNet-20's three stage shapes at batch 64:
 * DL4J's oneDNN helper forward ({@code mean}, {@code variance}, {@code batchnorm}), its backward
 * (libnd4j's {@code batchnorm_bp}) and {@link BatchNormBackprop}'s backward on the same forward
 * pass, interleaved, median ms per call, with the largest difference between the two backward
 * results relative to the largest value.
 *
 * <p>Run: {@code bench/bin/run BatchNormOpBench [iterations=50] [batch=64]}. Prints figures; asserts nothing.
 */
public final class BatchNormOpBench {
    private BatchNormOpBench() {
    }

    public static void main(String[] args) {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        boolean onednn = Backend.configure(true);
        System.out.printf(Locale.ROOT, "batch %d, median of %d, ms per call, OpenMP threads %d, oneDNN %s%n", batch,
                iterations, Backend.threads(), onednn);
        int[][] shapes = {{16, 28}, {32, 14}, {64, 7}};
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        for (int[] sh : shapes) {
            long[] shape = {batch, sh[0], sh[1], sh[1]};
            INDArray x = Nd4j.randn(DataType.FLOAT, shape).muli(2).addi(0.5);
            INDArray dy = Nd4j.randn(DataType.FLOAT, shape);
            INDArray gamma = Nd4j.rand(DataType.FLOAT, 1, sh[0]).addi(0.5);
            INDArray beta = Nd4j.randn(DataType.FLOAT, 1, sh[0]);
            INDArray runMean = Nd4j.zeros(DataType.FLOAT, 1, sh[0]);
            INDArray runVar = Nd4j.ones(DataType.FLOAT, 1, sh[0]);
            BatchNormalizationHelper stock = new MKLDNNBatchNormHelper(DataType.FLOAT);
            BatchNormalizationHelper mine = new BatchNormBackprop(new MKLDNNBatchNormHelper(DataType.FLOAT));
            INDArray[] dGamma = {Nd4j.create(DataType.FLOAT, 1, sh[0]), Nd4j.create(DataType.FLOAT, 1, sh[0])};
            INDArray[] dBeta = {Nd4j.create(DataType.FLOAT, 1, sh[0]), Nd4j.create(DataType.FLOAT, 1, sh[0])};
            INDArray[] dx = new INDArray[2];
            double[][] t = new double[3][iterations];
            for (int i = -10; i < iterations; i++) {
                long t0 = System.nanoTime();
                stock.preOutput(x, true, shape, gamma, beta, runMean, runVar, 0.9, 1e-5, CNN2DFormat.NCHW, ws);
                long t1 = System.nanoTime();
                Pair<Gradient, INDArray> a = stock.backpropGradient(x, dy, shape, gamma, beta, dGamma[0], dBeta[0],
                        1e-5, CNN2DFormat.NCHW, ws);
                long t2 = System.nanoTime();
                mine.preOutput(x, true, shape, gamma, beta, runMean, runVar, 0.9, 1e-5, CNN2DFormat.NCHW, ws);
                long t3 = System.nanoTime();
                Pair<Gradient, INDArray> b = mine.backpropGradient(x, dy, shape, gamma, beta, dGamma[1], dBeta[1],
                        1e-5, CNN2DFormat.NCHW, ws);
                long t4 = System.nanoTime();
                if (i >= 0) {
                    t[0][i] = (t1 - t0) / 1e6;
                    t[1][i] = (t2 - t1) / 1e6;
                    t[2][i] = (t4 - t3) / 1e6;
                }
                dx[0] = a.getSecond();
                dx[1] = b.getSecond();
            }
            System.out.printf(Locale.ROOT, "%dx%dx%dx%d: forward %.3f, batchnorm_bp %.3f, BatchNormBackprop %.3f "
                            + "(%.1fx); max relative difference dx %.2e, dGamma %.2e, dBeta %.2e%n",
                    batch, sh[0], sh[1], sh[1], median(t[0]), median(t[1]), median(t[2]), median(t[1]) / median(t[2]),
                    relDiff(dx[0], dx[1]), relDiff(dGamma[0], dGamma[1]), relDiff(dBeta[0], dBeta[1]));
        }
    }

    private static double relDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue() / a.amaxNumber().doubleValue();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
