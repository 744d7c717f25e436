package org.pocketflow.bench;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.eval.Latency;
import org.pocketflow.worker.learn.prune.ChannelPruning;
import org.pocketflow.worker.learn.prune.L1ChannelSelector;
import org.pocketflow.worker.learn.prune.PrunedNetwork;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Backend;

/**
 * Inference latency before and after channel pruning: LeNet and ResNet-20 on 28x28x1 input,
 * pruned with {@link L1ChannelSelector} to a MAC fraction (default 0.5, uniform ratios, first
 * group kept whole), measured with {@link Evaluator#latency} (median at batch 1 and 64). Shows
 * whether removing half of the multiply-adds buys wall-clock time on this CPU backend.
 *
 * <p>Run: {@code bench/bin/run PruningLatencyBench [iterations] [warmup] [macFraction]}
 * (defaults 50, 20, 0.5). Prints figures; asserts nothing.
 */
public final class PruningLatencyBench {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    private PruningLatencyBench() {
    }

    public static void main(String[] args) {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        double fraction = args.length > 2 ? Double.parseDouble(args[2]) : 0.5;
        boolean onednn = Backend.configure(true);
        System.out.printf("pruning latency: L1 to %.2f of the MACs, warm-up %d, %d iterations, oneDNN %s, %d cores%n",
                fraction, warmup, iterations, onednn ? "on" : "off", Runtime.getRuntime().availableProcessors());
        System.out.printf("%-9s %8s %8s %10s %10s %10s %10s %8s %8s%n", "network", "MACs", "params", "b1 ms",
                "b1 ms cut", "b64 ms", "b64 ms cut", "b1 x", "b64 x");
        for (Architecture arch : new Architecture[]{Architecture.LENET, Architecture.RESNET20}) {
            ComputationGraph g = arch.factory().create(MNIST, 10, 1);
            PrunedNetwork p = new ChannelPruning(new L1ChannelSelector()).pruneUniform(g, MNIST, fraction);
            Latency before = Evaluator.latency(g, MNIST, warmup, iterations);
            Latency after = Evaluator.latency(p.graph(), MNIST, warmup, iterations);
            System.out.printf("%-9s %8.3f %8.3f %10.3f %10.3f %10.3f %10.3f %7.2fx %7.2fx%n",
                    arch.name().toLowerCase(java.util.Locale.ROOT), p.report().macFraction(),
                    p.report().parameterFraction(), before.batch1Millis(), after.batch1Millis(),
                    before.batch64Millis(), after.batch64Millis(), before.batch1Millis() / after.batch1Millis(),
                    before.batch64Millis() / after.batch64Millis());
        }
        System.out.println("MACs and params: fraction of the unpruned network kept; x: speed-up (unpruned / pruned)");
    }
}
