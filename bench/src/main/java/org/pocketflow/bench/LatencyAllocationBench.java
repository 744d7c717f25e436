package org.pocketflow.bench;

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
 * counts in multiples of 8 (or another multiple), {@link LatencyAllocation} times its candidates at a
 * MAC fraction (in ONNX Runtime, as the product does for networks that export) and picks the fastest;
 * then the unpruned network, the uniform allocation and the chosen one are timed again, round-robin,
 * in a separate and longer run (so that the figure is not the minimum of noisy readings that made the
 * choice): in ONNX Runtime on one thread at batch 64 and batch 1, and in DL4J with the batch norms
 * folded ({@link BatchNormFolding}) at batch 64.
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
                double[] o64 = OnnxTiming.medianMillis(nets, MNIST, 64, warmup, iterations);
                double[] o1 = OnnxTiming.medianMillis(nets, MNIST, 1, warmup, iterations);
                ComputationGraph[] folded = new ComputationGraph[nets.length];
                for (int i = 0; i < nets.length; i++) {
                    folded[i] = BatchNormFolding.fold(nets[i]);
                }
                double[] d64 = LatencyAllocation.medianMillis(folded, input(64), warmup, iterations);
                System.out.printf("%-22s chosen \"%s\" %.3f MACs %s | uniform %.3f MACs %s%n", name,
                        choice.best().name(), best.macFraction(), best.channels().values(), uniform.macFraction(),
                        uniform.channels().values());
                System.out.printf("%-22s ONNX Runtime 1 thread: unpruned b64 %.3f ms, b1 %.3f ms | uniform b64 %.2fx, "
                        + "b1 %.2fx | chosen b64 %.2fx, b1 %.2fx%n", name, o64[0], o1[0], o64[0] / o64[1],
                        o1[0] / o1[1], o64[0] / o64[2], o1[0] / o1[2]);
                System.out.printf("%-22s DL4J, batch norms folded: unpruned b64 %.3f ms | uniform b64 %.2fx | chosen "
                        + "b64 %.2fx%n", name, d64[0], d64[0] / d64[1], d64[0] / d64[2]);
            }
        }
    }

    private static INDArray input(int batch) {
        Nd4j.getRandom().setSeed(1);
        return Nd4j.rand(DataType.FLOAT, batch, MNIST.channels(), MNIST.height(), MNIST.width());
    }
}
