package org.pocketflow.worker.learn.prune;

import java.util.Comparator;
import java.util.stream.IntStream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ChannelLayout;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Keeps the channels whose producing filters have the largest L1 norm (Li, Kadav, Durdanovic,
 * Samet and Graf 2017, "Pruning Filters for Efficient ConvNets", section 3.1: filter score
 * {@code s_j = sum |K_j|}, the sum of absolute kernel weights). For a residual group the score
 * of channel {@code j} is summed over all producers of the group (every convolution whose
 * output is added into channel {@code j}), so the whole residual path is judged together.
 * Convolution weights {@code W[out, in, kh, kw]} contribute row {@code j}; dense weights
 * {@code W[in, out]} contribute column {@code j}. Ties keep the lower index.
 *
 * <p>Data-free and stateless.
 */
public final class L1ChannelSelector implements ChannelSelector {
    @Override
    public int[] select(ComputationGraph graph, ModelInfo info, ChannelGroup group, int count) {
        if (count < 1 || count > group.channels()) {
            throw new IllegalArgumentException("cannot keep " + count + " channels of group " + group.id()
                    + ": the count must be in [1, " + group.channels() + "]");
        }
        double[] score = scores(graph, info, group);
        return IntStream.range(0, score.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(c -> -score[c]).thenComparingInt(c -> c))
                .limit(count).mapToInt(Integer::intValue).sorted().toArray();
    }

    /**
     * Per channel of {@code group}, the L1 norm of its filters summed over the group's producers;
     * a producer whose output holds several groups (one added to a concatenation) gives each group
     * the filters of the output channels its {@link org.pocketflow.worker.model.ChannelLayout} assigns it.
     */
    public static double[] scores(ComputationGraph graph, ModelInfo info, ChannelGroup group) {
        double[] score = new double[Math.toIntExact(group.channels())];
        for (String producer : group.producers()) {
            org.deeplearning4j.nn.api.Layer layer = graph.getLayer(producer);
            INDArray w = layer.getParam("W").castTo(DataType.DOUBLE);
            boolean dense = ParameterSlicer.isDense(layer.conf().getLayer());
            int channelDim = dense ? 1 : 0;
            ChannelLayout layout = info.layout(producer);
            if (w.size(channelDim) != layout.channels()) {
                throw new IllegalArgumentException("producer " + producer + " of group " + group.id() + " has "
                        + w.size(channelDim) + " output channels, the ModelInfo says " + layout.channels()
                        + "; pass the ModelInfo of this very graph");
            }
            INDArray abs = Transforms.abs(w, true);
            INDArray perChannel = dense ? abs.sum(0)
                    : abs.reshape(abs.size(0), abs.length() / abs.size(0)).sum(1);
            double[] s = perChannel.toDoubleVector();
            for (int p : layout.positionsOf(group.id())) {
                score[layout.index(p)] += s[p];
            }
        }
        return score;
    }

    @Override
    public String name() {
        return "l1";
    }

    @Override
    public String toString() {
        return "L1ChannelSelector";
    }
}
