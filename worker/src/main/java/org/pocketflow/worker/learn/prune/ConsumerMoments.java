package org.pocketflow.worker.learn.prune;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pocketflow.worker.learn.CalibrationPasses;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/**
 * What DCP's losses need of one consumer's sampled inputs ({@link ConsumerSamples}, {@code S}
 * samples of {@code D = channels * width} values on {@code N} images), gathered chunk by chunk
 * without keeping the samples: their mean, their centred Gram matrix {@code X_c^T X_c}
 * ({@code D x D}) and each image's mean sample minus the overall mean ({@code N x D}). The
 * reconstruction loss is a quadratic form in the samples, {@code ||X_c (W - W_0)^T||^2}, and its
 * gradient {@code (W - W_0) X_c^T X_c}; the discrimination loss reads the outputs averaged over
 * each image's samples, which are linear in the image's mean sample. So memory is {@code D^2 + N D}
 * doubles whatever the sampled positions per image: for a 512-channel 3x3 consumer on 1024 images
 * at 10 positions the samples are 10,240 x 4,608 doubles (377 MB), these 170 + 38 MB.
 *
 * <p>The Gram matrix is accumulated about the first chunk's mean and corrected to the overall
 * mean at the end ({@code sum (x - k)(x - k)^T - S (m - k)(m - k)^T}), which keeps the rounding
 * of the one-pass sum small. The arrays are off the heap and must not be changed by their readers.
 */
final class ConsumerMoments {
    final int samples;
    final int images;
    final int channels;
    final int width;
    /** Per channel, the consumer's input channel it is. */
    final int[] inputChannels;
    /** Per channel, its channel in the group ({@link #ofGroup}), else its input channel. */
    final int[] groupChannels;
    /** Mean of the samples, {@code [D]}. */
    final INDArray mean;
    /** {@code sum_s (x_s - mean)(x_s - mean)^T}, {@code [D, D]}, C order. */
    final INDArray gram;
    /** Per image, the mean of its samples minus {@link #mean}, {@code [N, D]}, C order. */
    final INDArray imageMeans;
    /** All input channels of the consumer. */
    private final int consumerChannels;

    private ConsumerMoments(int samples, int images, int width, int[] inputChannels, int[] groupChannels,
                            int consumerChannels, INDArray mean, INDArray gram, INDArray imageMeans) {
        this.samples = samples;
        this.images = images;
        this.channels = inputChannels.length;
        this.width = width;
        this.inputChannels = inputChannels;
        this.groupChannels = groupChannels;
        this.consumerChannels = consumerChannels;
        this.mean = mean;
        this.gram = gram;
        this.imageMeans = imageMeans;
    }

    /** Frees the arrays now; nothing may read these moments afterwards. */
    void free() {
        ConsumerSamples.free(mean, gram, imageMeans);
    }

    /** The consumer's weights of these channels, {@code [outputs][channels][width]} as {@link ConsumerSamples#weights}. */
    double[] weightsOf(ComputationGraph graph, String consumer) {
        return ConsumerSamples.weightsOf(graph, consumer, consumerChannels, inputChannels, width);
    }

    /**
     * The moments of the samples {@link ConsumerSamples#collect} would give for {@code consumers}
     * on {@code images}, gathered over the same chunked passes. Memory: the moments plus one
     * chunk's activations and samples.
     *
     * @param info describes {@code graph}
     */
    static Map<String, ConsumerMoments> collect(ComputationGraph graph, ModelInfo info, List<String> consumers,
                                                INDArray images, int perImage, long seed) {
        Map<String, SplittableRandom> positions = new LinkedHashMap<>();
        Map<String, Sums> sums = new LinkedHashMap<>();
        for (String consumer : consumers) {
            positions.put(consumer, new SplittableRandom(LeastSquaresReconstruction.positionSeed(seed, consumer)));
            sums.put(consumer, new Sums(images.size(0)));
        }
        CalibrationPasses.forEach(graph, info, images, (from, activations) -> {
            for (String consumer : consumers) {
                INDArray input = activations.get(ConsumerSamples.inputOf(graph, consumer));
                sums.get(consumer).add(ConsumerSamples.of(graph, consumer, input, info.layer(consumer).outputShape(),
                        perImage, positions.get(consumer)), from, input.size(0));
            }
        });
        Map<String, ConsumerMoments> out = new LinkedHashMap<>();
        sums.forEach((consumer, s) -> out.put(consumer, s.moments()));
        return out;
    }

    /** Bytes the moments of {@code consumer} take on {@code images} images (doubles): {@code D^2 + N D}. */
    static long bytes(ComputationGraph graph, ModelInfo info, String consumer, long images, int perImage) {
        Layer layer = graph.getLayer(consumer).conf().getLayer();
        long[] in = info.layer(ConsumerSamples.inputOf(graph, consumer)).outputShape();
        long d = in[0];
        if (layer.getClass() == ConvolutionLayer.class) {
            int[] k = ((ConvolutionLayer) layer).getKernelSize();
            d *= (long) k[0] * k[1];
        } else {
            for (int i = 1; i < in.length; i++) {
                d *= in[i];
            }
        }
        return (d * d + images * d + d) * Double.BYTES;
    }

    /**
     * The moments of every consumer of {@code group}, as {@link ConsumerSamples#ofGroup}: taken from
     * {@code moments} and restricted to the input channels that carry the group.
     *
     * @param info describes the graph the moments were taken from
     * @throws IllegalArgumentException when a consumer reads another number of channels than {@code info} says
     */
    static Map<String, ConsumerMoments> ofGroup(ModelInfo info, ChannelGroup group,
                                                Map<String, ConsumerMoments> moments) {
        Map<String, ConsumerMoments> out = new LinkedHashMap<>();
        for (String consumer : group.consumers()) {
            ConsumerMoments m = moments.get(consumer);
            int[][] positions = ConsumerSamples.groupPositions(info, group, consumer, m.channels);
            out.put(consumer, m.restrict(positions[0], positions[1]));
        }
        return out;
    }

    /** These moments of only the input channels {@code positions}, labelled with their group channels. */
    private ConsumerMoments restrict(int[] positions, int[] inGroup) {
        if (java.util.Arrays.equals(positions, IntStream.range(0, channels).toArray())) {
            return new ConsumerMoments(samples, images, width, inputChannels, inGroup, consumerChannels, mean, gram,
                    imageMeans);
        }
        long[] cols = IntStream.range(0, positions.length * width)
                .mapToLong(i -> (long) positions[i / width] * width + i % width).toArray();
        INDArray rows = gram.get(NDArrayIndex.indices(cols), NDArrayIndex.all()).dup('c');
        INDArray g = rows.get(NDArrayIndex.all(), NDArrayIndex.indices(cols)).dup('c');
        ConsumerSamples.free(rows);
        int[] in = IntStream.of(positions).map(j -> inputChannels[j]).toArray();
        return new ConsumerMoments(samples, images, width, in, inGroup, consumerChannels,
                mean.get(NDArrayIndex.indices(cols)).dup('c'), g,
                imageMeans.get(NDArrayIndex.all(), NDArrayIndex.indices(cols)).dup('c'));
    }

    /** The running sums of one consumer's samples, about the first chunk's mean. */
    private static final class Sums {
        private final long images;
        private int width;
        private int channels;
        private int samples;
        private INDArray shift;
        private INDArray sum;
        private INDArray gram;
        private INDArray shiftedImageMeans;

        Sums(long images) {
            this.images = images;
        }

        /** Adds the samples of images {@code [from, from + n)}, {@code part.samples / n} per image. */
        void add(ConsumerSamples part, long from, long n) {
            long d = (long) part.channels * part.width;
            INDArray x = Nd4j.create(part.x, new long[] {part.samples, d}, 'c');
            if (gram == null) {
                width = part.width;
                channels = part.channels;
                shift = x.mean(0);
                sum = Nd4j.zeros(DataType.DOUBLE, d);
                gram = Nd4j.zeros(DataType.DOUBLE, d, d);
                shiftedImageMeans = Nd4j.zeros(DataType.DOUBLE, images, d);
            }
            x.subiRowVector(shift);
            Nd4j.gemm(x, x, gram, true, false, 1.0, 1.0);
            INDArray total = x.sum(0);
            sum.addi(total);
            INDArray perImage = x.reshape('c', n, part.samples / n, d).mean(1);
            shiftedImageMeans.get(NDArrayIndex.interval(from, from + n), NDArrayIndex.all()).assign(perImage);
            samples += part.samples;
            ConsumerSamples.free(perImage, total, x);
        }

        /** The moments of everything added: the Gram and image means moved from the shift to the mean. */
        ConsumerMoments moments() {
            INDArray offset = sum.divi(samples);
            INDArray row = offset.reshape(1, offset.length());
            Nd4j.gemm(row, row, gram, true, false, -samples, 1.0);
            shiftedImageMeans.subiRowVector(offset);
            int[] all = IntStream.range(0, channels).toArray();
            return new ConsumerMoments(samples, (int) images, width, all, all, channels, shift.addi(offset), gram,
                    shiftedImageMeans);
        }
    }
}
