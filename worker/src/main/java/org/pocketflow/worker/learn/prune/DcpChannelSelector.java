package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pocketflow.worker.learn.NativeHeap;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Discrimination-aware channel selection (Zhuang et al., NeurIPS 2018, "Discrimination-aware
 * Channel Pruning for Deep Neural Networks", DCP). For a group, each consumer layer gets the loss
 * of the paper's equation 6, {@code L = L_M + lambda L_S}: {@code L_M} the reconstruction error of
 * the consumer's output against the unpruned network (relative squared error on sampled output
 * positions, as {@link LassoChannelSelector}) and {@code L_S} a <em>discrimination-aware</em>
 * cross-entropy on the calibration labels, so that channels are judged by what they tell about the
 * class and not only by how much of the output they carry. Channels are chosen greedily as in the
 * paper's algorithm 2: starting from none, each round computes the gradient of {@code L} with
 * respect to the consumers' weights (unchosen channels' weights zero) and adds the channel whose
 * weight gradient has the largest Frobenius norm (summed over the group's consumers); the chosen
 * channels' weights are then refitted. Inputs and outputs are centred over the samples, so that
 * a channel is judged by how it varies, not by its mean (which a bias absorbs): this way, with no
 * channel chosen the output is the unpruned network's mean output, and the first gradient of the
 * discrimination loss is the channels' covariance with the labels. After surgery the consumers
 * are reconstructed by least squares ({@link #reconstruction()}, as for LASSO).
 *
 * <p>Where this differs from the paper, to stay a selection step that runs on a thousand images
 * without training: the discrimination loss sits on the consumer's own output, not at the end of a
 * stage: a consumer that is the network's output layer uses the network's softmax loss itself; any
 * other consumer gets an auxiliary linear softmax classifier on its output averaged over the
 * sampled positions (standardised, fitted on the unpruned network's features with L2 penalty), in
 * place of the paper's BN-ReLU-pool-FC head fine-tuned with the network. The refit of the chosen
 * weights in each round solves {@code L_M} exactly by least squares (the paper takes SGD steps on
 * {@code L}). When more than {@value #MAX_ROUNDS} channels are to be kept, each round adds
 * {@code ceil(count / MAX_ROUNDS)} channels.
 *
 * <p>Memory: the selection keeps, per consumer, the moments of its sampled inputs ({@link
 * ConsumerMoments}: a Gram matrix and per-image means), not the samples, gathered in chunked passes;
 * it is bounded by the consumers' widths and the number of images, not by the sampled positions.
 *
 * <p>Immutable apart from a cache of the last graph's sample moments, whose arrays a group's
 * selection frees once no other prunable group reads them: selections on one instance run one at a
 * time. The calibration
 * images are kept as given when they are a dense fp32 array (the caller must not change them
 * afterwards), copied otherwise, and the labels are copied. Deterministic for a given graph, calibration set and seed.
 */
public final class DcpChannelSelector implements ChannelSelector {
    /** The paper's weight of the discrimination loss against the reconstruction loss. */
    public static final double DEFAULT_WEIGHT = 1.0;
    /** Greedy rounds at most per group. */
    static final int MAX_ROUNDS = 64;
    private static final double HEAD_L2 = 1e-2;
    private static final int HEAD_ITERATIONS = 300;
    private static final double RIDGE = 1e-6;
    /**
     * Bound on the sample moments kept for every group at once: ResNet-18 at 224x224 on the default
     * 1024 images needs about 1 GB, which one pass over the images then gathers.
     */
    static final long MOMENT_BYTES = 3L << 29;
    /** Calibration images the post-surgery reconstruction uses by default. */
    static final int RECONSTRUCTION_IMAGES = 256;

    private final INDArray images;
    /** One-hot labels, {@code [N][classes]}. */
    private final double[][] labels;
    private final long seed;
    private final int positionsPerImage;
    private final double weight;
    private final int reconstructionImages;
    private final ActivationCache<ConsumerMoments> cache = new ActivationCache<>(ConsumerMoments::collect,
            ConsumerMoments::bytes, MOMENT_BYTES);

    /** DCP with the paper's weight 1 and 10 sampled positions per image. */
    public DcpChannelSelector(INDArray images, INDArray labels, long seed) {
        this(images, labels, seed, RECONSTRUCTION_IMAGES);
    }

    /** As {@link #DcpChannelSelector(INDArray, INDArray, long)}, reconstructing on the first {@code reconstructionImages}. */
    public DcpChannelSelector(INDArray images, INDArray labels, long seed, int reconstructionImages) {
        this(images, labels, seed, LassoChannelSelector.DEFAULT_POSITIONS, DEFAULT_WEIGHT, reconstructionImages);
    }

    /** DCP with {@value #RECONSTRUCTION_IMAGES} reconstruction images. */
    public DcpChannelSelector(INDArray images, INDArray labels, long seed, int positionsPerImage, double weight) {
        this(images, labels, seed, positionsPerImage, weight, RECONSTRUCTION_IMAGES);
    }

    /**
     * @param images            a few hundred input images {@code [N, C, H, W]}, normalised as in training
     * @param labels            their one-hot labels {@code [N, classes]}
     * @param seed              seed of the sampled output positions
     * @param positionsPerImage output positions sampled per image for convolution consumers, at least 1
     * @param weight            weight {@code lambda} of the discrimination loss, at least 0 (0: pure
     *                          greedy reconstruction, orthogonal matching pursuit on channels)
     * @param reconstructionImages the first this many images calibrate the reconstruction, at least 1
     */
    public DcpChannelSelector(INDArray images, INDArray labels, long seed, int positionsPerImage, double weight,
                              int reconstructionImages) {
        this.images = LassoChannelSelector.checkCalibration(images);
        if (labels == null || labels.rank() != 2 || labels.size(0) != images.size(0) || labels.size(1) < 2) {
            throw new IllegalArgumentException("DCP needs one-hot labels [" + images.size(0) + ", classes] for its "
                    + "calibration images, but got " + (labels == null ? "null" : Arrays.toString(labels.shape()))
                    + "; pass the labels of the same training images");
        }
        if (positionsPerImage < 1) {
            throw new IllegalArgumentException("positions per image must be >= 1, but got " + positionsPerImage
                    + "; He et al. sample " + LassoChannelSelector.DEFAULT_POSITIONS);
        }
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("DCP's discrimination weight must be a finite number >= 0, but got "
                    + weight + "; the paper uses " + DEFAULT_WEIGHT);
        }
        if (reconstructionImages < 1) {
            throw new IllegalArgumentException("reconstruction images must be >= 1, but got " + reconstructionImages
                    + "; set pocketflow.learn.calibration-images");
        }
        this.reconstructionImages = reconstructionImages;
        this.labels = labels.castTo(DataType.DOUBLE).toDoubleMatrix();
        this.seed = seed;
        this.positionsPerImage = positionsPerImage;
        this.weight = weight;
    }

    @Override
    public synchronized int[] select(ComputationGraph graph, ModelInfo info, ChannelGroup group, int count) {
        ConsumerSamples.checkCount(group, count);
        int c = Math.toIntExact(group.channels());
        if (count == c) {
            return IntStream.range(0, c).toArray();
        }
        List<Consumer> consumers = new ArrayList<>();
        ConsumerMoments.ofGroup(info, group, cache.of(graph, info, group, images, positionsPerImage, seed))
                .forEach((name, m) -> consumers.add(new Consumer(graph, name, m)));
        boolean[] chosen = new boolean[c];
        int perRound = (count + MAX_ROUNDS - 1) / MAX_ROUNDS;
        try {
            for (int taken = 0; taken < count; ) {
                double[] score = new double[c];
                for (Consumer k : consumers) {
                    k.addScores(score);
                }
                for (int j : best(score, chosen, Math.min(perRound, count - taken))) {
                    chosen[j] = true;
                    taken++;
                }
                if (taken < count) {
                    for (Consumer k : consumers) {
                        k.refit(chosen);
                    }
                }
                // each round frees products as large as the consumers' weights (19 MB at 512x4608)
                NativeHeap.trimNowAndThen();
            }
        } finally {
            consumers.forEach(Consumer::close);
            cache.release(graph, info, group).forEach(ConsumerMoments::free);
            NativeHeap.trimNowAndThen();
        }
        return IntStream.range(0, c).filter(j -> chosen[j]).toArray();
    }

    /** The {@code n} unchosen channels of highest score, ties to the lower index. */
    private static int[] best(double[] score, boolean[] chosen, int n) {
        return IntStream.range(0, score.length).filter(j -> !chosen[j]).boxed()
                .sorted((a, b) -> score[a] != score[b] ? Double.compare(score[b], score[a]) : Integer.compare(a, b))
                .limit(n).mapToInt(Integer::intValue).toArray();
    }

    /**
     * One consumer's sample moments, targets, discrimination head and current weights. With
     * {@code G = X_c^T X_c} the centred samples' Gram matrix, the reconstruction loss's gradient
     * {@code 2 (X_c W^T - X_c W_0^T)^T X_c / ||Y||^2} is {@code 2 (W G - W_0 G) / ||Y||^2}; the
     * discrimination loss depends on each image's outputs averaged over its samples (a consumer that
     * is the output layer has one sample per image), which are {@code Xbar_c W^T} with {@code Xbar_c}
     * the image means, so its gradient is {@code dL_S/dPooled^T Xbar_c}. Unchosen channels' weights
     * are zero, so {@code W G} needs only the chosen rows of {@code G}.
     */
    private final class Consumer {
        private final int channels;
        private final int width;
        /** Per input channel, the group channel it is. */
        private final int[] groupChannels;
        /** Centred sample moments, shared with the cache: read only. */
        private final ConsumerMoments moments;
        /** {@code W_0 G}, {@code [O, C*width]}. */
        private final INDArray target;
        /** {@code G W_0^T} by row, {@code [C*width][O]}: the refit's right-hand sides. */
        private final double[][] cross;
        /** The layer's bias plus its mean output: what the output is with every channel at its mean. */
        private final double[] bias;
        /** {@code ||X_c W_0^T||^2}. */
        private final double yy;
        /** Auxiliary head; null when the consumer is the network's output layer. */
        private final Head head;
        /** Current weights {@code [O, C*width]}, zero for unchosen channels. */
        private INDArray w;
        /** The chosen columns' weights {@code [O, n]} and rows of {@code G} {@code [n, C*width]}; null before the first refit. */
        private INDArray chosenWeights;
        private INDArray chosenGram;

        Consumer(ComputationGraph graph, String name, ConsumerMoments m) {
            channels = m.channels;
            width = m.width;
            groupChannels = m.groupChannels;
            moments = m;
            int outs = ConsumerSamples.outputs(graph, name);
            INDArray w0 = Nd4j.create(m.weightsOf(graph, name), new long[]{outs, (long) channels * width}, 'c');
            INDArray meanOutput = m.mean.reshape(1, -1).mmul(w0.transpose());
            bias = bias(meanOutput.toDoubleVector(), ConsumerSamples.bias(graph, name));
            target = w0.mmul(m.gram);
            INDArray crossColumns = target.transpose();
            cross = crossColumns.toDoubleMatrix();
            yy = Math.max(w0.mul(target).sumNumber().doubleValue(), 1e-30);
            boolean output = graph.getLayer(name).conf().getLayer() instanceof BaseOutputLayer;
            INDArray pooledY = m.imageMeans.mmul(w0.transpose());
            head = output ? null : new Head(pooled(pooledY));
            w = Nd4j.zeros(DataType.DOUBLE, outs, (long) channels * width);
            ConsumerSamples.free(pooledY, meanOutput, w0);
        }

        private static double[] bias(double[] meanOutput, double[] layerBias) {
            double[] b = new double[layerBias.length];
            for (int k = 0; k < b.length; k++) {
                b[k] = meanOutput[k] + layerBias[k];
            }
            return b;
        }

        /** {@code out + bias} per image, {@code [N][O]}, from the image means' outputs {@code out}. */
        private double[][] pooled(INDArray out) {
            double[][] f = out.toDoubleMatrix();
            for (double[] row : f) {
                for (int k = 0; k < row.length; k++) {
                    row[k] += bias[k];
                }
            }
            return f;
        }

        /** Adds {@code ||dL/dW_j||^2} of this consumer to {@code score[j]}. */
        void addScores(double[] score) {
            INDArray grad = chosenWeights == null ? target.neg() : chosenWeights.mmul(chosenGram).subi(target);
            grad.muli(2 / yy);
            if (weight > 0) {
                INDArray out = moments.imageMeans.mmul(w.transpose());
                INDArray dPooled = discriminationGradient(out);
                INDArray discrimination = dPooled.transpose().mmul(moments.imageMeans);
                grad.addi(discrimination.muli(weight));
                ConsumerSamples.free(discrimination, dPooled, out);
            }
            double[] g = grad.data().asDouble();
            ConsumerSamples.free(grad);
            int cols = channels * width;
            for (int o = 0; o < g.length / cols; o++) {
                for (int j = 0; j < channels; j++) {
                    double sum = 0;
                    for (int p = 0; p < width; p++) {
                        double v = g[o * cols + j * width + p];
                        sum += v * v;
                    }
                    score[groupChannels[j]] += sum;
                }
            }
        }

        /**
         * {@code dL_S/d pooled}, {@code [N, O]}, from the image means' outputs {@code out}: softmax
         * cross-entropy, through the head when there is one.
         */
        private INDArray discriminationGradient(INDArray out) {
            int outs = bias.length;
            double[][] pooled = pooled(out);
            double[][] d;
            if (head == null) {
                d = new double[pooled.length][];
                for (int i = 0; i < pooled.length; i++) {
                    double[] p = softmax(pooled[i]);
                    double[] y = labels[i];
                    for (int k = 0; k < outs; k++) {
                        p[k] = (p[k] - y[k]) / pooled.length;
                    }
                    d[i] = p;
                }
            } else {
                d = head.gradient(pooled);
            }
            return Nd4j.create(d);
        }

        /** Least-squares weights of the kept channels (ridge {@value #RIDGE} of the mean diagonal), zero elsewhere. */
        void refit(boolean[] chosen) {
            int[] kept = IntStream.range(0, channels).filter(j -> chosen[groupChannels[j]]).toArray();
            int n = kept.length * width;
            int d = channels * width;
            int[] cols = new int[n];
            for (int i = 0; i < kept.length; i++) {
                for (int p = 0; p < width; p++) {
                    cols[i * width + p] = kept[i] * width + p;
                }
            }
            ConsumerSamples.free(chosenGram, chosenWeights);
            chosenGram = Nd4j.pullRows(moments.gram, 1, cols, 'c');
            DataBuffer rows = chosenGram.data();
            double[][] a = new double[n][]; // the lower triangle: all the factorisation reads
            double[][] b = new double[n][];
            double diag = 0;
            for (int i = 0; i < n; i++) {
                diag += rows.getDouble((long) i * d + cols[i]);
            }
            double ridge = RIDGE * Math.max(diag / n, 1e-12);
            for (int i = 0; i < n; i++) {
                a[i] = new double[i + 1];
                for (int k = 0; k <= i; k++) {
                    a[i][k] = rows.getDouble((long) i * d + cols[k]);
                }
                a[i][i] += ridge;
                b[i] = cross[cols[i]];
            }
            double[][] sol = Cholesky.solve(a, b, "DCP refit");
            int outs = (int) w.size(0);
            double[][] next = new double[outs][d];
            double[][] chosenRows = new double[outs][n];
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < outs; o++) {
                    next[o][cols[i]] = sol[i][o];
                    chosenRows[o][i] = sol[i][o];
                }
            }
            ConsumerSamples.free(w);
            w = Nd4j.create(next);
            chosenWeights = Nd4j.create(chosenRows);
        }

        /** Frees this consumer's own arrays (the moments belong to the cache). */
        void close() {
            ConsumerSamples.free(target, w, chosenGram, chosenWeights);
        }
    }

    /** Softmax regression on standardised features, fitted once on the unpruned network's features. */
    private final class Head {
        private final double[] mean;
        private final double[] scale;
        /** {@code [O][K]}. */
        private final double[][] theta;
        private final double[] offset;

        Head(double[][] features) {
            int n = features.length;
            int d = features[0].length;
            double[][] lab = labels;
            int classes = lab[0].length;
            mean = new double[d];
            scale = new double[d];
            for (double[] f : features) {
                for (int k = 0; k < d; k++) {
                    mean[k] += f[k] / n;
                }
            }
            for (double[] f : features) {
                for (int k = 0; k < d; k++) {
                    scale[k] += (f[k] - mean[k]) * (f[k] - mean[k]) / n;
                }
            }
            for (int k = 0; k < d; k++) {
                scale[k] = Math.sqrt(scale[k]) + 1e-8;
            }
            double[][] z = standardise(features);
            // Softmax cross-entropy's Hessian is at most 1/2 F^T F / n per class: its largest
            // eigenvalue, from power iteration, bounds the step of plain gradient descent.
            double lipschitz = 0.5 * largestEigenvalue(z) + HEAD_L2;
            theta = new double[d][classes];
            offset = new double[classes];
            double[][] step = new double[d][classes];
            for (int it = 0; it < HEAD_ITERATIONS; it++) {
                double[][] dz = logitGradient(z, lab);
                for (int k = 0; k < d; k++) {
                    for (int m = 0; m < classes; m++) {
                        step[k][m] = HEAD_L2 * theta[k][m];
                    }
                }
                // image by image along rows (each sum still over images in order): a walk down the
                // columns of z and dz per weight took minutes per head at 224x224
                for (int i = 0; i < n; i++) {
                    double[] zi = z[i];
                    double[] dzi = dz[i];
                    for (int k = 0; k < d; k++) {
                        double f = zi[k];
                        double[] gk = step[k];
                        for (int m = 0; m < classes; m++) {
                            gk[m] += f * dzi[m];
                        }
                    }
                }
                for (int k = 0; k < d; k++) {
                    for (int m = 0; m < classes; m++) {
                        theta[k][m] -= step[k][m] / lipschitz;
                    }
                }
                for (int m = 0; m < classes; m++) {
                    double g = 0;
                    for (int i = 0; i < n; i++) {
                        g += dz[i][m];
                    }
                    offset[m] -= g / lipschitz;
                }
            }
        }

        private double[][] standardise(double[][] features) {
            double[][] z = new double[features.length][mean.length];
            for (int i = 0; i < features.length; i++) {
                for (int k = 0; k < mean.length; k++) {
                    z[i][k] = (features[i][k] - mean[k]) / scale[k];
                }
            }
            return z;
        }

        /** {@code d(mean cross-entropy)/d logits}, {@code [N][K]}. */
        private double[][] logitGradient(double[][] z, double[][] lab) {
            double[][] dz = new double[z.length][offset.length];
            for (int i = 0; i < z.length; i++) {
                double[] logits = offset.clone();
                for (int k = 0; k < z[i].length; k++) {
                    for (int m = 0; m < logits.length; m++) {
                        logits[m] += z[i][k] * theta[k][m];
                    }
                }
                double[] p = softmax(logits);
                for (int m = 0; m < p.length; m++) {
                    dz[i][m] = (p[m] - lab[i][m]) / z.length;
                }
            }
            return dz;
        }

        /** {@code d(mean cross-entropy)/d features}, {@code [N][O]}, for unstandardised features. */
        double[][] gradient(double[][] features) {
            double[][] dz = logitGradient(standardise(features), labels);
            double[][] df = new double[features.length][mean.length];
            for (int i = 0; i < features.length; i++) {
                for (int k = 0; k < mean.length; k++) {
                    double g = 0;
                    for (int m = 0; m < offset.length; m++) {
                        g += dz[i][m] * theta[k][m];
                    }
                    df[i][k] = g / scale[k];
                }
            }
            return df;
        }
    }

    private static double largestEigenvalue(double[][] z) {
        INDArray m = Nd4j.create(z);
        INDArray cov = m.transpose().mmul(m).divi(z.length);
        INDArray v = Nd4j.ones(DataType.DOUBLE, cov.size(0), 1);
        double lambda = 0;
        for (int i = 0; i < 50; i++) {
            INDArray next = cov.mmul(v);
            lambda = next.norm2Number().doubleValue();
            if (lambda == 0) {
                return 0;
            }
            v = next.divi(lambda);
        }
        return lambda;
    }

    private static double[] softmax(double[] z) {
        double max = Arrays.stream(z).max().orElse(0);
        double[] p = new double[z.length];
        double sum = 0;
        for (int k = 0; k < z.length; k++) {
            p[k] = Math.exp(z[k] - max);
            sum += p[k];
        }
        for (int k = 0; k < z.length; k++) {
            p[k] /= sum;
        }
        return p;
    }

    /**
     * Least squares on the first {@code reconstructionImages} calibration images, as for LASSO:
     * the reconstruction runs a forward pass of the pruned network per consumer, so its time grows
     * with the images (its memory does not: the passes run in chunks and keep samples only).
     */
    @Override
    public ConsumerReconstruction reconstruction() {
        long n = Math.min(images.size(0), reconstructionImages);
        return new LeastSquaresReconstruction(images.get(NDArrayIndex.interval(0, n)), positionsPerImage, seed);
    }

    @Override
    public String name() {
        return "dcp";
    }

    @Override
    public String toString() {
        return "DcpChannelSelector[images=" + images.size(0) + ", positionsPerImage=" + positionsPerImage
                + ", weight=" + weight + ", seed=" + seed + "]";
    }
}
