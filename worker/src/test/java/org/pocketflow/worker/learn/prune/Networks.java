package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ChannelLayout;
import org.pocketflow.worker.model.ModelInfo;

/** Networks, inputs and reference manipulations shared by the pruning tests. */
final class Networks {
    static final ImageShape MNIST = new ImageShape(1, 28, 28);

    private Networks() {
    }

    /** A zoo network whose batch norms have non-trivial running statistics, gamma and beta. */
    static ComputationGraph create(Architecture arch, long seed) {
        ComputationGraph g = arch.factory().create(MNIST, 10, seed);
        randomBatchNorms(g, new SplittableRandom(seed));
        return g;
    }

    /** Sets gamma and variance in [0.5, 1.5], beta and mean in [-0.2, 0.2] in every batch norm of {@code g}. */
    static void randomBatchNorms(ComputationGraph g, SplittableRandom rnd) {
        for (Layer layer : g.getLayers()) {
            if (layer.conf().getLayer() instanceof BatchNormalization) {
                for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                    INDArray v = p.getValue();
                    for (long i = 0; i < v.length(); i++) {
                        double u = rnd.nextDouble(-1, 1);
                        v.putScalar(i, switch (p.getKey()) {
                            case "gamma" -> 1 + 0.5 * u;
                            case "var" -> 1 + 0.5 * u;
                            default -> 0.2 * u;
                        });
                    }
                }
            }
        }
    }

    /** {@code batch} images of uniform noise in [-1, 1). */
    static INDArray input(int batch, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, batch, MNIST.channels(), MNIST.height(), MNIST.width()).muli(2).subi(1);
    }

    /** Every channel of every prunable group. */
    static Map<Integer, int[]> keepAll(ModelInfo info) {
        Map<Integer, int[]> keep = new TreeMap<>();
        for (ChannelGroup g : info.groups()) {
            if (g.prunable()) {
                keep.put(g.id(), java.util.stream.IntStream.range(0, (int) g.channels()).toArray());
            }
        }
        return keep;
    }

    /** A random subset of about {@code fraction} of the channels of every prunable group, at least one. */
    static Map<Integer, int[]> keepRandom(ModelInfo info, double fraction, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<Integer, int[]> keep = new TreeMap<>();
        for (ChannelGroup g : info.groups()) {
            if (g.prunable()) {
                List<Integer> kept = new ArrayList<>();
                for (int c = 0; c < g.channels(); c++) {
                    if (rnd.nextDouble() < fraction) {
                        kept.add(c);
                    }
                }
                if (kept.isEmpty()) {
                    kept.add(rnd.nextInt((int) g.channels()));
                }
                keep.put(g.id(), kept.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        return keep;
    }

    /**
     * A copy of {@code graph} in which every channel {@code keep} leaves out outputs zero (in each member,
     * at the output channels its layout assigns to that group channel): its
     * producers' filters and biases are zeroed, and so are gamma and beta of every batch norm and
     * the filters of every depthwise convolution in the group (a batch norm of a zero input still
     * outputs {@code beta - gamma * mean / std}). Consumers then read zeros from those channels.
     */
    static ComputationGraph zeroRemoved(ComputationGraph graph, ModelInfo info, Map<Integer, int[]> keep) {
        ComputationGraph z = graph.clone();
        for (Map.Entry<Integer, int[]> e : keep.entrySet()) {
            ChannelGroup g = info.groups().get(e.getKey());
            java.util.Set<Integer> kept = new java.util.HashSet<>();
            for (int c : e.getValue()) {
                kept.add(c);
            }
            for (String member : g.members()) {
                Layer layer = z.getVertex(member).hasLayer() ? z.getLayer(member) : null;
                if (layer == null || layer.numParams() == 0) {
                    continue;
                }
                ChannelLayout layout = info.layout(member);
                for (int c : layout.positionsOf(g.id())) {
                    if (kept.contains(layout.index(c))) {
                        continue;
                    }
                    var conf = layer.conf().getLayer();
                    if (conf instanceof BatchNormalization) {
                        zero(layer.getParam("gamma"), 1, c);
                        zero(layer.getParam("beta"), 1, c);
                    } else if (conf instanceof DepthwiseConvolution2D) {
                        zero(layer.getParam("W"), 2, c);
                    } else if (ParameterSlicer.isDense(conf)) {
                        zero(layer.getParam("W"), 1, c);
                        zero(layer.getParam("b"), 1, c);
                    } else {
                        zero(layer.getParam("W"), 0, c);
                        if (layer.paramTable().containsKey("b")) {
                            zero(layer.getParam("b"), 1, c);
                        }
                    }
                }
            }
        }
        return z;
    }

    private static void zero(INDArray a, int dim, int c) {
        INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
        for (int d = 0; d < idx.length; d++) {
            idx[d] = d == dim ? NDArrayIndex.point(c) : NDArrayIndex.all();
        }
        a.get(idx).assign(0);
    }
}
