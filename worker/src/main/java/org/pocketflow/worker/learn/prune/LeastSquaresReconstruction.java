package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.runtime.Seeds;

/**
 * Least-squares reconstruction of every consumer of a pruned group, the second step of He, Zhang
 * and Sun 2017 ("Channel Pruning for Accelerating Very Deep Neural Networks", equation 4:
 * {@code W' = argmin ||Y - X' W'^T||_F^2}), with the accumulated-error correction of their section
 * 3.2: the target {@code Y} is the consumer's pre-activation output in the <em>unpruned</em> network
 * on calibration images, the regressors {@code X'} are the consumer's inputs in the <em>pruned</em>
 * network, whose earlier consumers have already been reconstructed. Consumers are processed in the
 * graph's topological order; groups with several consumers (ResNet's residual groups) reconstruct
 * each of them against its own output.
 *
 * <p>Sampling: a convolution contributes {@code positionsPerImage} random output positions per
 * image (the paper samples 10), a dense layer one sample per image. The solve adds a ridge term that
 * pulls towards the sliced original weights, {@code mu ||W' - W_0||^2} with {@code mu} a {@code 1e-3}
 * fraction of the mean diagonal of {@code X'^T X'}, so that a layer with more unknowns than samples
 * (a dense layer on a flattened map) stays well posed. The bias, where the layer has one, is solved
 * with the weights.
 *
 * <p>Immutable; the calibration array is copied. Deterministic for a given seed.
 */
public final class LeastSquaresReconstruction implements ConsumerReconstruction {
    private static final double RIDGE = 1e-3;

    private final INDArray calibration;
    private final int positionsPerImage;
    private final long seed;

    /**
     * @param calibration       a few hundred input images {@code [N, C, H, W]}, normalised as in training
     * @param positionsPerImage output positions sampled per image for convolutions, at least 1
     * @param seed              seed of the sampled positions
     */
    public LeastSquaresReconstruction(INDArray calibration, int positionsPerImage, long seed) {
        this.calibration = LassoChannelSelector.checkCalibration(calibration);
        if (positionsPerImage < 1) {
            throw new IllegalArgumentException("positions per image must be >= 1, but got " + positionsPerImage
                    + "; He et al. sample 10");
        }
        this.positionsPerImage = positionsPerImage;
        this.seed = seed;
    }

    @Override
    public void reconstruct(ComputationGraph original, ModelInfo info, ComputationGraph pruned,
                            Map<Integer, int[]> keep) {
        // in chunks, keeping samples only: a forward pass keeps every vertex's output
        List<String> consumers = new ArrayList<>(consumers(original, info, keep));
        consumers.removeIf(c -> pruned.getVertex(c) == null); // in a removed residual branch
        Map<String, ConsumerSamples> before = ConsumerSamples.collect(original, info, consumers, calibration,
                positionsPerImage, seed);
        for (String consumer : consumers) {
            ConsumerSamples xp = ConsumerSamples.collect(pruned, info, List.of(consumer), calibration,
                    positionsPerImage, seed).get(consumer);
            solve(original, pruned, consumer, before.remove(consumer), xp, keptOutputs(original, info, keep, consumer));
        }
    }

    /** Seed of the positions sampled for {@code consumer}: the same in both networks. */
    static long positionSeed(long seed, String consumer) {
        return Seeds.stream(seed, Seeds.PRUNE_SAMPLES, consumer.hashCode()).nextLong();
    }

    /** Consumers of the pruned groups, in the topological order of {@code graph}. */
    private static List<String> consumers(ComputationGraph graph, ModelInfo info, Map<Integer, int[]> keep) {
        Set<String> wanted = new HashSet<>();
        for (int id : keep.keySet()) {
            wanted.addAll(info.groups().get(id).consumers());
        }
        List<String> ordered = new ArrayList<>();
        GraphVertex[] vertices = graph.getVertices();
        for (int idx : graph.topologicalSortOrder()) {
            if (wanted.contains(vertices[idx].getVertexName())) {
                ordered.add(vertices[idx].getVertexName());
            }
        }
        return ordered;
    }

    /** The output channels {@code consumer} keeps: those its layout keeps of the pruned groups, else all. */
    private static int[] keptOutputs(ComputationGraph graph, ModelInfo info, Map<Integer, int[]> keep,
                                     String consumer) {
        int[] kept = info.layout(consumer).kept(keep);
        return kept != null ? kept : IntStream.range(0, ConsumerSamples.outputs(graph, consumer)).toArray();
    }

    private void solve(ComputationGraph original, ComputationGraph pruned, String consumer, ConsumerSamples x,
                       ConsumerSamples xp, int[] outs) {
        double[] w = ConsumerSamples.weights(original, consumer, x.channels, x.width);
        double[] b = ConsumerSamples.bias(original, consumer);
        int inWidth = x.channels * x.width;
        boolean hasBias = pruned.getLayer(consumer).paramTable().containsKey("b");
        int d = xp.channels * xp.width + (hasBias ? 1 : 0);
        int n = xp.samples;
        double[] target = new double[n * outs.length];
        double[] a = new double[n * d];
        for (int s = 0; s < n; s++) {
            int row = s * inWidth;
            for (int o = 0; o < outs.length; o++) {
                int wRow = outs[o] * inWidth;
                double y = b[outs[o]];
                for (int i = 0; i < inWidth; i++) {
                    y += w[wRow + i] * x.x[row + i];
                }
                target[s * outs.length + o] = y;
            }
            System.arraycopy(xp.x, s * xp.channels * xp.width, a, s * d, xp.channels * xp.width);
            if (hasBias) {
                a[s * d + d - 1] = 1;
            }
        }
        INDArray am = Nd4j.create(a, new long[]{n, d}, 'c');
        double[][] gram = am.transpose().mmul(am).toDoubleMatrix();
        double[][] rhs = am.transpose().mmul(Nd4j.create(target, new long[]{n, outs.length}, 'c')).toDoubleMatrix();
        double[] w0 = ConsumerSamples.weights(pruned, consumer, xp.channels, xp.width);
        double[] b0 = ConsumerSamples.bias(pruned, consumer);
        double mu = 0;
        for (int i = 0; i < d; i++) {
            mu += gram[i][i];
        }
        mu = Math.max(RIDGE * mu / d, 1e-12);
        for (int i = 0; i < d; i++) {
            gram[i][i] += mu;
            for (int o = 0; o < outs.length; o++) {
                double prior = i < d - (hasBias ? 1 : 0) ? w0[o * (d - (hasBias ? 1 : 0)) + i] : b0[o];
                rhs[i][o] += mu * prior;
            }
        }
        double[][] theta = Cholesky.solve(gram, rhs, consumer);
        write(pruned, consumer, theta, xp.channels * xp.width, hasBias);
    }

    /** Stores {@code theta [inputs (+1 bias)][outputs]} as the consumer's W (and b). */
    private static void write(ComputationGraph pruned, String consumer, double[][] theta, int inputs, boolean bias) {
        org.deeplearning4j.nn.api.Layer layer = pruned.getLayer(consumer);
        INDArray wParam = layer.getParam("W");
        int outs = theta[0].length;
        boolean dense = ParameterSlicer.isDense(layer.conf().getLayer());
        double[] flat = new double[inputs * outs];
        for (int i = 0; i < inputs; i++) {
            for (int o = 0; o < outs; o++) {
                flat[dense ? i * outs + o : o * inputs + i] = theta[i][o];
            }
        }
        wParam.assign(Nd4j.create(flat, wParam.shape(), 'c').castTo(wParam.dataType()));
        if (bias) {
            INDArray bParam = layer.getParam("b");
            double[] bv = new double[outs];
            for (int o = 0; o < outs; o++) {
                bv[o] = theta[inputs][o];
            }
            bParam.assign(Nd4j.create(bv, bParam.shape(), 'c').castTo(bParam.dataType()));
        }
    }

    @Override
    public String toString() {
        return "LeastSquaresReconstruction[positionsPerImage=" + positionsPerImage + ", seed=" + seed
                + ", images=" + calibration.size(0) + "]";
    }
}
