package org.pocketflow.worker.learn.prune;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/**
 * LASSO channel selection (He, Zhang and Sun 2017, "Channel Pruning for Accelerating Very Deep
 * Neural Networks", PocketFlow's default channel pruner). For a group, the consumers' inputs are
 * sampled on calibration images ({@code positionsPerImage} output positions per image for a
 * convolution, the paper's 10); channel {@code j}'s contribution to a consumer's output is {@code
 * Z_j = X_j W_j^T} (equation 1) and the coefficients {@code beta} of equation 3 are found by LASSO,
 * raising {@code lambda} until at most {@code count} are non-zero (see {@link Lasso}); the channels
 * with non-zero coefficients are kept. With reconstruction on (the default), {@link #reconstruction()}
 * returns a {@link LeastSquaresReconstruction} on the same images and seed, which {@link
 * ChannelPruning} applies after surgery (equation 4, the paper's second step).
 *
 * <p>A consumer that reads other groups too (after a concatenation) keeps their channels fixed:
 * only the input channels carrying this group enter the regression.
 *
 * <p>Groups with several consumers (ResNet's residual groups, whose channels feed every block of a
 * stage) minimise the sum of the consumers' objectives: their Gram matrices {@code <Z_j, Z_k>} are
 * added, so one {@code beta} serves all of them. Reconstruction then treats each consumer separately.
 *
 * <p>Immutable apart from a cache of the last graph's activations (guarded, so concurrent use is
 * safe); the calibration array is kept as given when it is a dense fp32 array (the caller must not
 * change it afterwards), copied otherwise. Deterministic for a given graph, calibration set and seed.
 */
public final class LassoChannelSelector implements ChannelSelector {
    /** Output positions per calibration image, as in He et al. 2017 (section 4). */
    public static final int DEFAULT_POSITIONS = 10;

    private final INDArray calibration;
    private final long seed;
    private final int positionsPerImage;
    private final boolean reconstruct;
    private final ActivationCache<ConsumerSamples> cache = ActivationCache.ofSamples();

    /** LASSO selection with least-squares reconstruction, 10 positions per image. */
    public LassoChannelSelector(INDArray calibration, long seed) {
        this(calibration, seed, DEFAULT_POSITIONS, true);
    }

    /**
     * @param calibration       a few hundred input images {@code [N, C, H, W]}, normalised as in training
     * @param seed              seed of the sampled output positions
     * @param positionsPerImage output positions sampled per image for convolution consumers, at least 1
     * @param reconstruct       whether {@link #reconstruction()} reconstructs the consumers by least squares
     */
    public LassoChannelSelector(INDArray calibration, long seed, int positionsPerImage, boolean reconstruct) {
        this.calibration = checkCalibration(calibration);
        if (positionsPerImage < 1) {
            throw new IllegalArgumentException("positions per image must be >= 1, but got " + positionsPerImage
                    + "; He et al. sample " + DEFAULT_POSITIONS);
        }
        this.seed = seed;
        this.positionsPerImage = positionsPerImage;
        this.reconstruct = reconstruct;
    }

    static INDArray checkCalibration(INDArray calibration) {
        if (calibration == null || calibration.rank() != 4 || calibration.size(0) < 1) {
            throw new IllegalArgumentException("calibration images must be a non-empty [N, C, H, W] array, but got "
                    + (calibration == null ? "null" : java.util.Arrays.toString(calibration.shape()))
                    + "; pass a few hundred training images, normalised as for training");
        }
        // kept, not copied, when it is already a dense fp32 array: at 224x224 the default 1024 DCP
        // images take 616 MB, and a copy doubled them for the whole selection
        boolean dense = calibration.dataType() == DataType.FLOAT && calibration.ordering() == 'c'
                && !calibration.isView();
        return dense ? calibration : calibration.castTo(DataType.FLOAT).dup('c');
    }

    @Override
    public int[] select(ComputationGraph graph, ModelInfo info, ChannelGroup group, int count) {
        ConsumerSamples.checkCount(group, count);
        int c = Math.toIntExact(group.channels());
        if (count == c) {
            return java.util.stream.IntStream.range(0, c).toArray();
        }
        double[][] gram = new double[c][c];
        double[] b = new double[c];
        ConsumerSamples.ofGroup(info, group, cache.of(graph, info, group, calibration, positionsPerImage, seed))
                .forEach((consumer, x) -> accumulate(x, x.weightsOf(graph, consumer),
                        ConsumerSamples.outputs(graph, consumer), gram, b));
        return Lasso.select(gram, b, count);
    }

    /**
     * Adds {@code Z^T Z} and {@code Z^T Y} of one consumer, {@code Z[(s, o), j]} the contribution of
     * its sampled input channel j, summed into the group channel that input channel carries.
     */
    private static void accumulate(ConsumerSamples x, double[] w, int outs, double[][] gram, double[] b) {
        int c = x.channels;
        int width = x.width;
        double[] z = new double[x.samples * outs * c];
        for (int s = 0; s < x.samples; s++) {
            for (int o = 0; o < outs; o++) {
                int row = (s * outs + o) * c;
                for (int j = 0; j < c; j++) {
                    double v = 0;
                    int wi = (o * c + j) * width;
                    int xi = (s * c + j) * width;
                    for (int p = 0; p < width; p++) {
                        v += w[wi + p] * x.x[xi + p];
                    }
                    z[row + j] = v;
                }
            }
        }
        INDArray zm = Nd4j.create(z, new long[]{(long) x.samples * outs, c}, 'c');
        double[][] g = zm.transpose().mmul(zm).toDoubleMatrix();
        int[] of = x.groupChannels;
        for (int j = 0; j < c; j++) {
            for (int k = 0; k < c; k++) {
                gram[of[j]][of[k]] += g[j][k];
                b[of[j]] += g[j][k];
            }
        }
    }

    @Override
    public ConsumerReconstruction reconstruction() {
        return reconstruct ? new LeastSquaresReconstruction(calibration, positionsPerImage, seed)
                : ConsumerReconstruction.none();
    }

    @Override
    public String name() {
        return reconstruct ? "lasso" : "lasso-noreconstruction";
    }

    @Override
    public String toString() {
        return "LassoChannelSelector[images=" + calibration.size(0) + ", positionsPerImage=" + positionsPerImage
                + ", seed=" + seed + ", reconstruct=" + reconstruct + "]";
    }
}
