package org.pocketflow.bench;

import java.util.Arrays;
import java.util.Locale;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * ND4J's convolution ops on their own, per layer shape: {@code conv2d} (forward) and
 * {@code conv2d_bp} (input, weight and bias gradients) with ND4J's oneDNN platform kernels on and
 * off, interleaved, median of the iterations. The shapes are LeNet's two convolutions at batch 64
 * and two of ResNet-20's (the first stage's 16-channel 3x3 and the last stage's 64-channel 3x3 on
 * 28x28 input).
 *
 * <p>Run: {@code bench/bin/run ConvOpBench [iterations=30] [batch=64] [openmpThreads]}. Prints figures; asserts nothing.
 */
public final class ConvOpBench {
    private ConvOpBench() {
    }

    public static void main(String[] args) {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        if (args.length > 2) {
            NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(Integer.parseInt(args[2]));
        }
        int[][] shapes = {
                // inChannels, size, outChannels, kernel, padding
                {1, 28, 20, 5, 0}, {20, 12, 50, 5, 0}, {16, 28, 16, 3, 1}, {64, 7, 64, 3, 1}};
        String[] names = {"lenet conv1", "lenet conv2", "resnet20 stage1 3x3", "resnet20 stage3 3x3"};
        var env = Nd4jCpu.Environment.getInstance();
        System.out.printf(Locale.ROOT, "batch %d, median of %d, ms per call (OMP threads %s)%n", batch, iterations,
                NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
        for (int s = 0; s < shapes.length; s++) {
            int[] sh = shapes[s];
            INDArray x = Nd4j.rand(DataType.FLOAT, batch, sh[0], sh[1], sh[1]);
            INDArray w = Nd4j.rand(DataType.FLOAT, sh[2], sh[0], sh[3], sh[3]);
            INDArray b = Nd4j.rand(DataType.FLOAT, sh[2]);
            int out = sh[1] + 2 * sh[4] - sh[3] + 1;
            INDArray y = Nd4j.create(DataType.FLOAT, batch, sh[2], out, out);
            INDArray gy = Nd4j.rand(DataType.FLOAT, batch, sh[2], out, out);
            INDArray gx = Nd4j.create(DataType.FLOAT, x.shape());
            INDArray gw = Nd4j.create(DataType.FLOAT, w.shape());
            INDArray gb = Nd4j.create(DataType.FLOAT, b.shape());
            int[] iargs = {sh[3], sh[3], 1, 1, sh[4], sh[4], 1, 1, 0, 0, 1};
            DynamicCustomOp fwd = DynamicCustomOp.builder("conv2d").addInputs(x, w, b).addOutputs(y)
                    .addIntegerArguments(iargs).build();
            DynamicCustomOp bwd = DynamicCustomOp.builder("conv2d_bp").addInputs(x, w, b, gy)
                    .addOutputs(gx, gw, gb).addIntegerArguments(iargs).build();
            double[][] t = new double[4][iterations];
            for (int i = -5; i < iterations; i++) {
                for (int k = 0; k < 4; k++) {
                    env.setUseONEDNN(k < 2);
                    DynamicCustomOp op = k % 2 == 0 ? fwd : bwd;
                    long t0 = System.nanoTime();
                    Nd4j.exec(op);
                    if (i >= 0) {
                        t[k][i] = (System.nanoTime() - t0) / 1e6;
                    }
                }
            }
            env.setUseONEDNN(true);
            System.out.printf(Locale.ROOT, "%-20s oneDNN fwd %7.3f bwd %7.3f | built-in fwd %7.3f bwd %7.3f%n",
                    names[s], median(t[0]), median(t[1]), median(t[2]), median(t[3]));
        }
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
