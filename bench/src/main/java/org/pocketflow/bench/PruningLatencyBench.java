package org.pocketflow.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.learn.prune.ChannelPruning;
import org.pocketflow.worker.learn.prune.FlopsBudget;
import org.pocketflow.worker.learn.prune.L1ChannelSelector;
import org.pocketflow.worker.learn.prune.LatencyAllocation;
import org.pocketflow.worker.learn.prune.PrunedNetwork;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.runtime.Backend;

/**
 * Inference latency before and after channel pruning: LeNet and ResNet-20 on 28x28x1 input,
 * pruned with {@link L1ChannelSelector} to a MAC fraction (default 0.5) in four settings: uniform
 * ratios with the first group kept whole and any channel count (the defaults of {@code new
 * ChannelPruning(selector)}); uniform ratios with the first group pruned and any count; the same with
 * counts rounded to {@link ChannelPruning#SPEED_CHANNEL_MULTIPLE}; and "front": every group prefers
 * 0.5, so the early, high-resolution groups (whose time is memory-bound, not MAC-bound) are halved
 * and the late groups take what the budget leaves. The unpruned network and the pruned ones are
 * timed round-robin, one {@code outputSingle} each per round, so that all see the same load on a
 * shared machine; the figures are the median per network and, at batch 64, the 10th percentile
 * (less sensitive to other processes taking the cores).
 *
 * <p>Run: {@code bench/bin/run PruningLatencyBench [iterations] [warmup] [macFraction]}
 * (defaults 50, 20, 0.5). Prints figures; asserts nothing.
 */
public final class PruningLatencyBench {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    /** How to prune: uniform ratios, or {@code frontRatio} preferred by every group and the late groups filling the budget. */
    private record Setting(String name, boolean keepFirstGroup, int channelMultiple, double frontRatio) {
    }

    private static final Setting[] SETTINGS = {
        new Setting("first kept, any count", true, FlopsBudget.ANY_COUNT, 0),
        new Setting("first cut, any count", false, FlopsBudget.ANY_COUNT, 0),
        new Setting("first cut, multiple " + ChannelPruning.SPEED_CHANNEL_MULTIPLE, false,
                ChannelPruning.SPEED_CHANNEL_MULTIPLE, 0),
        new Setting("front 0.5, multiple " + ChannelPruning.SPEED_CHANNEL_MULTIPLE, false,
                ChannelPruning.SPEED_CHANNEL_MULTIPLE, 0.5),
    };

    private PruningLatencyBench() {
    }

    public static void main(String[] args) {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        double fraction = args.length > 2 ? Double.parseDouble(args[2]) : 0.5;
        boolean onednn = Backend.configure(true);
        System.out.printf("pruning latency: L1, uniform ratios to %.2f of the MACs, warm-up %d, %d iterations "
                        + "(round-robin, median), oneDNN %s, %d cores%n", fraction, warmup, iterations,
                onednn ? "on" : "off", Runtime.getRuntime().availableProcessors());
        System.out.printf("%-9s %-24s %6s %6s %9s %9s %9s %7s %7s %7s  %s%n", "network", "setting", "MACs", "params",
                "b1 ms", "b64 ms", "b64 p10", "b1 x", "b64 x", "p10 x", "kept channels per group");
        for (Architecture arch : new Architecture[]{Architecture.LENET, Architecture.RESNET20}) {
            ComputationGraph full = arch.factory().create(MNIST, 10, 1);
            ComputationGraph[] nets = new ComputationGraph[SETTINGS.length + 1];
            PrunedNetwork[] pruned = new PrunedNetwork[SETTINGS.length];
            nets[0] = full;
            for (int s = 0; s < SETTINGS.length; s++) {
                Setting set = SETTINGS[s];
                ChannelPruning pruning = new ChannelPruning(new L1ChannelSelector(), set.keepFirstGroup(),
                        set.channelMultiple());
                pruned[s] = set.frontRatio() == 0 ? pruning.pruneUniform(full, MNIST, fraction)
                        : pruning.prune(full, MNIST, fraction, front(full, set.frontRatio()));
                nets[s + 1] = pruned[s].graph();
            }
            double[][] t1 = times(nets, 1, warmup, iterations);
            double[][] t64 = times(nets, 64, warmup, iterations);
            double[] b1 = quantile(t1, 0.5);
            double[] b64 = quantile(t64, 0.5);
            double[] fast64 = quantile(t64, 0.1);
            String name = arch.name().toLowerCase(Locale.ROOT);
            System.out.printf("%-9s %-24s %6.3f %6.3f %9.3f %9.3f %9.3f %7s %7s %7s%n", name, "unpruned", 1.0, 1.0,
                    b1[0], b64[0], fast64[0], "", "", "");
            for (int s = 0; s < SETTINGS.length; s++) {
                System.out.printf("%-9s %-24s %6.3f %6.3f %9.3f %9.3f %9.3f %6.2fx %6.2fx %6.2fx  %s%n", name,
                        SETTINGS[s].name(), pruned[s].report().macFraction(), pruned[s].report().parameterFraction(),
                        b1[s + 1], b64[s + 1], fast64[s + 1], b1[0] / b1[s + 1], b64[0] / b64[s + 1],
                        fast64[0] / fast64[s + 1],
                        pruned[s].report().groups().stream().map(g -> g.kept().size() + "/" + g.channels()).toList());
            }
        }
        System.out.println("MACs and params: fraction of the unpruned network kept; x: speed-up (unpruned / pruned)");
    }

    /** {@code ratio} for every prunable group: early groups take it, late ones what the budget leaves. */
    static Map<Integer, Double> front(ComputationGraph g, double ratio) {
        Map<Integer, Double> ratios = new HashMap<>();
        for (ChannelGroup group : ModelInfo.of(g, MNIST).groups()) {
            if (group.prunable()) {
                ratios.put(group.id(), ratio);
            }
        }
        return ratios;
    }

    /** Ms of every {@code outputSingle} per network at {@code batch}, the networks timed round-robin. */
    private static double[][] times(ComputationGraph[] nets, int batch, int warmup, int iterations) {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, MNIST.channels(), MNIST.height(), MNIST.width());
        return LatencyAllocation.roundRobinMillis(nets, x, warmup, iterations);
    }

    /** Per network, the {@code q} quantile of its times (nearest rank). */
    private static double[] quantile(double[][] t, double q) {
        return Arrays.stream(t).mapToDouble(row -> LatencyAllocation.quantile(row, q)).toArray();
    }
}
