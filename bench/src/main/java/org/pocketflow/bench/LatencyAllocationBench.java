package org.pocketflow.bench;

import java.util.Arrays;
import java.util.Locale;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.export.BatchNormFolding;
import org.pocketflow.worker.learn.prune.ChannelAllocation;
import org.pocketflow.worker.learn.prune.FlopsBudget;
import org.pocketflow.worker.learn.prune.LatencyAllocation;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.runtime.Backend;

/**
 * What {@code pocketflow.learn.allocation=latency} buys: for LeNet and ResNet-20 (28x28x1, untrained:
 * the time does not depend on the weights), with the first group kept whole and cut, channel
 * counts in multiples of 8 (or another multiple), {@link LatencyAllocation} times its candidates at a MAC fraction and
 * picks the fastest; then the unpruned network, the uniform allocation and the chosen one are
 * timed again, round-robin, in a separate and longer run (so that the figure is not the minimum
 * of noisy readings that made the choice), at batch 64 and batch 1; and the three once more at
 * batch 64 with their batch norms folded into the convolutions ({@link BatchNormFolding}).
 *
 * <p>Run: {@code bench/bin/run LatencyAllocationBench [iterations] [warmup] [macFraction]
 * [channelMultiple]} (defaults 200, 40, 0.5, 8). Prints figures; asserts nothing.
 */
public final class LatencyAllocationBench {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    private LatencyAllocationBench() {
    }

    public static void main(String[] args) {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        double fraction = args.length > 2 ? Double.parseDouble(args[2]) : 0.5;
        int multiple = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        boolean onednn = Backend.configure(true);
        System.out.printf("latency allocation at %.2f of the MACs, multiple %d, oneDNN %s, %d cores; confirmation: "
                + "warm-up %d, %d round-robin iterations, median%n", fraction, multiple, onednn ? "on" : "off",
                Runtime.getRuntime().availableProcessors(), warmup, iterations);
        for (Architecture arch : new Architecture[]{Architecture.LENET, Architecture.RESNET20}) {
            ComputationGraph full = arch.factory().create(MNIST, 10, 1);
            ModelInfo info = ModelInfo.of(full, MNIST);
            for (boolean keepFirst : new boolean[]{true, false}) {
                String name = arch.name().toLowerCase(Locale.ROOT) + (keepFirst ? " (first kept)" : " (first cut)");
                FlopsBudget budget = new FlopsBudget(info, keepFirst, multiple);
                LatencyAllocation.Choice choice = LatencyAllocation.choose(full, MNIST, budget, fraction, 15, 30,
                        line -> System.out.println("  " + name + ": " + line));
                ChannelAllocation uniform = budget.allocate(budget.uniformRatios(fraction), fraction);
                ChannelAllocation best = choice.best().allocation();
                ComputationGraph[] nets = {full, LatencyAllocation.timingCopy(full, info, uniform),
                        LatencyAllocation.timingCopy(full, info, best)};
                double[] b64 = LatencyAllocation.medianMillis(nets, input(64), warmup, iterations);
                double[] b1 = LatencyAllocation.medianMillis(nets, input(1), warmup, iterations);
                // unfolded and folded side by side in one round-robin: [0..2] as nets, [3..5] folded
                ComputationGraph[] both = new ComputationGraph[2 * nets.length];
                for (int i = 0; i < nets.length; i++) {
                    both[i] = nets[i];
                    both[nets.length + i] = BatchNormFolding.fold(nets[i]);
                }
                double[] t = LatencyAllocation.medianMillis(both, input(64), warmup, iterations);
                double[] f64 = Arrays.copyOfRange(t, nets.length, both.length);
                System.out.printf("%-22s unpruned b64 %.3f ms, b1 %.3f ms | uniform %.3f MACs %s: b64 %.2fx, b1 %.2fx "
                                + "| chosen \"%s\" %.3f MACs %s: b64 %.2fx, b1 %.2fx%n", name, b64[0], b1[0],
                        uniform.macFraction(), uniform.channels().values(), b64[0] / b64[1], b1[0] / b1[1],
                        choice.best().name(), best.macFraction(), best.channels().values(), b64[0] / b64[2],
                        b1[0] / b1[2]);
                System.out.printf("%-22s batch norm folded (timed beside the unfolded, %.3f ms): unpruned b64 %.3f ms "
                        + "(%.2fx faster than unfolded) | uniform b64 %.2fx | chosen b64 %.2fx%n", name, t[0], f64[0],
                        t[0] / f64[0], f64[0] / f64[1], f64[0] / f64[2]);
            }
        }
    }

    private static INDArray input(int batch) {
        Nd4j.getRandom().setSeed(1);
        return Nd4j.rand(DataType.FLOAT, batch, MNIST.channels(), MNIST.height(), MNIST.width());
    }
}
