package org.pocketflow.bench;

import java.util.Arrays;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.runtime.Backend;

/**
 * How the time of one DL4J 3x3 convolution (followed by batch norm) depends on its channel
 * counts: for every output channel count from {@code lo} to {@code hi}, the median time of a
 * conv {@code cin -> c} (then {@code c -> cin}, the pruned pair's consumer) at a given resolution
 * and batch, and the achieved GMAC/s. Shows whether oneDNN's blocked formats make counts that are
 * multiples of 8 or 16 cheaper per multiply-add than their neighbours. The configurations are
 * measured round-robin so that every count sees the same load on a shared machine.
 *
 * <p>Run: {@code bench/bin/run ConvChannelBench [cin] [hw] [batch] [lo] [hi] [iterations] [onednn]}
 * (defaults 16, 28, 64, 4, 16, 30, true). Prints figures; asserts nothing.
 */
public final class ConvChannelBench {
    private ConvChannelBench() {
    }

    public static void main(String[] args) {
        int cin = arg(args, 0, 16);
        int hw = arg(args, 1, 28);
        int batch = arg(args, 2, 64);
        int lo = arg(args, 3, 4);
        int hi = arg(args, 4, 16);
        int iterations = arg(args, 5, 30);
        boolean onednn = Backend.configure(args.length <= 6 || Boolean.parseBoolean(args[6]));
        int n = hi - lo + 1;
        ComputationGraph[] nets = new ComputationGraph[n];
        for (int i = 0; i < n; i++) {
            nets[i] = pair(cin, lo + i, hw);
        }
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, cin, hw, hw);
        double[][] t = new double[n][iterations];
        for (int it = -Math.max(5, iterations / 3); it < iterations; it++) {
            for (int i = 0; i < n; i++) {
                long s = System.nanoTime();
                nets[i].outputSingle(false, x);
                if (it >= 0) {
                    t[i][it] = (System.nanoTime() - s) / 1e6;
                }
            }
        }
        System.out.printf("conv3x3 %d->c->%d + BN, %dx%d, batch %d, %d iterations, oneDNN %s%n", cin, cin, hw, hw,
                batch, iterations, onednn ? "on" : "off");
        System.out.printf("%4s %9s %9s %9s%n", "c", "ms", "GMAC/s", "ms/c");
        for (int i = 0; i < n; i++) {
            int c = lo + i;
            double ms = median(t[i]);
            double macs = 2.0 * batch * hw * hw * 9.0 * cin * c;
            System.out.printf("%4d %9.3f %9.1f %9.4f%n", c, ms, macs / ms / 1e6, ms / c);
        }
    }

    private static ComputationGraph pair(int cin, int c, int hw) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1)
                .convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .addLayer("a", new ConvolutionLayer.Builder(3, 3).nOut(c).hasBias(false)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().activation(Activation.RELU).build(), "a")
                .addLayer("b", new ConvolutionLayer.Builder(3, 3).nOut(cin).hasBias(false)
                        .activation(Activation.IDENTITY).build(), "bn")
                .setOutputs("b").setInputTypes(InputType.convolutional(hw, hw, cin)).build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    private static int arg(String[] args, int i, int def) {
        return args.length > i ? Integer.parseInt(args[i]) : def;
    }

    private static double median(double[] t) {
        double[] c = t.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }
}
