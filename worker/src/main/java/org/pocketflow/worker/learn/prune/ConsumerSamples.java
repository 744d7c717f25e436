package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ConvolutionUtils;
import org.pocketflow.worker.learn.CalibrationPasses;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ChannelLayout;
import org.pocketflow.worker.model.ModelInfo;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The inputs one consumer layer sees at sampled output positions, split by input channel: for
 * sample {@code s} and input channel {@code j}, the {@code width} values the consumer multiplies
 * with its weights for channel {@code j} ({@code kh*kw} for a convolution, {@code H*W} for a dense
 * layer reading a flattened NCHW map, 1 for a dense layer reading a vector). A convolution
 * contributes {@code perImage} random output positions per image, a dense layer one sample per
 * image. The positions depend only on the seed, the consumer's output size and the number of
 * images, so the same seed samples the same positions in the unpruned and the pruned network, and
 * {@link #collect} over calibration images in chunks samples what one pass over all of them would.
 *
 * <p>{@link #weights} returns the consumer's weights in the same layout, so that the consumer's
 * pre-activation output at a sample is {@code sum_j sum_p w[o][j][p] * x[s][j][p] + b[o]}: the sum
 * over channels of He et al. 2017's per-channel terms {@code X_j W_j^T} (equation 1).
 */
final class ConsumerSamples {
    final int samples;
    final int channels;
    final int width;
    /** {@code [samples][channels][width]}, row-major. */
    final double[] x;
    /** Per sampled channel, the consumer's input channel it is. */
    final int[] inputChannels;
    /** Per sampled channel, its channel in the group ({@link #ofGroup}), else its input channel. */
    final int[] groupChannels;
    /** All input channels of the consumer. */
    private final int consumerChannels;

    private ConsumerSamples(int samples, int channels, int width, double[] x) {
        this(samples, width, x, java.util.stream.IntStream.range(0, channels).toArray(),
                java.util.stream.IntStream.range(0, channels).toArray(), channels);
    }

    private ConsumerSamples(int samples, int width, double[] x, int[] inputChannels, int[] groupChannels,
                            int consumerChannels) {
        this.samples = samples;
        this.channels = inputChannels.length;
        this.width = width;
        this.x = x;
        this.inputChannels = inputChannels;
        this.groupChannels = groupChannels;
        this.consumerChannels = consumerChannels;
    }

    /** These samples of only the input channels {@code positions}, labelled with their group channels. */
    private ConsumerSamples restrict(int[] positions, int[] inGroup) {
        if (positions.length == channels && java.util.Arrays.equals(positions, inputChannels)
                && java.util.Arrays.equals(inGroup, groupChannels)) {
            return this; // the whole input carries the group in order: no copy of possibly large samples
        }
        double[] r = new double[samples * positions.length * width];
        for (int s = 0; s < samples; s++) {
            for (int j = 0; j < positions.length; j++) {
                System.arraycopy(x, (s * channels + positions[j]) * width, r, (s * positions.length + j) * width,
                        width);
            }
        }
        return new ConsumerSamples(samples, width, r, positions, inGroup, consumerChannels);
    }

    /** The consumer's weights of the sampled channels, {@code [outputs][channels][width]} as {@link #weights}. */
    double[] weightsOf(ComputationGraph graph, String consumer) {
        return weightsOf(graph, consumer, consumerChannels, inputChannels, width);
    }

    /**
     * The weights of {@code consumer} (reading {@code consumerChannels} channels) on only its input
     * channels {@code inputChannels}, {@code [outputs][inputChannels.length][width]} as {@link #weights}.
     */
    static double[] weightsOf(ComputationGraph graph, String consumer, int consumerChannels, int[] inputChannels,
                              int width) {
        double[] full = weights(graph, consumer, consumerChannels, width);
        int outs = full.length / (consumerChannels * width);
        int channels = inputChannels.length;
        double[] out = new double[outs * channels * width];
        for (int o = 0; o < outs; o++) {
            for (int j = 0; j < channels; j++) {
                System.arraycopy(full, (o * consumerChannels + inputChannels[j]) * width, out,
                        (o * channels + j) * width, width);
            }
        }
        return out;
    }

    /** Value {@code p} of channel {@code j} at sample {@code s}. */
    double at(int s, int j, int p) {
        return x[(s * channels + j) * width + p];
    }

    /**
     * Samples of the input of {@code consumer}.
     *
     * @param input    the activations the consumer reads, {@code [N, C, H, W]} or {@code [N, F]}
     * @param outShape the consumer's output shape without the batch ({@code [C, H, W]} or {@code [F]})
     */
    static ConsumerSamples of(ComputationGraph graph, String consumer, INDArray input, long[] outShape,
                              int perImage, long seed) {
        return of(graph, consumer, input, outShape, perImage, new SplittableRandom(seed));
    }

    /**
     * As {@link #of(ComputationGraph, String, INDArray, long[], int, long)}, drawing positions from
     * {@code rnd}: chunks of images sampled in order with one {@code rnd} sample what one pass would.
     */
    static ConsumerSamples of(ComputationGraph graph, String consumer, INDArray input, long[] outShape,
                              int perImage, SplittableRandom rnd) {
        Layer layer = graph.getLayer(consumer).conf().getLayer();
        if (layer.getClass() == ConvolutionLayer.class) {
            return convolution(consumer, (ConvolutionLayer) layer, input, outShape, perImage, rnd);
        }
        if (!ParameterSlicer.isDense(layer)) {
            throw new IllegalArgumentException("consumer " + consumer + " is a " + layer.getClass().getSimpleName()
                    + "; channel regression supports ConvolutionLayer, DenseLayer and OutputLayer consumers");
        }
        int n = (int) input.size(0);
        int channels = (int) input.size(1);
        int width = input.rank() == 4 ? (int) (input.size(2) * input.size(3)) : 1;
        return new ConsumerSamples(n, channels, width, asDoubles(input));
    }

    /** The values of {@code input} in C order, its temporary copies freed at once (they are as large as the input). */
    private static double[] asDoubles(INDArray input) {
        INDArray dense = input.dup('c');
        INDArray doubles = dense.castTo(DataType.DOUBLE);
        double[] values = doubles.data().asDouble();
        free(doubles, dense);
        return values;
    }

    /**
     * Frees temporary ND4J arrays now rather than when the garbage collector finds their Java objects:
     * they live off the heap, which is small next to them. Null and views (not closeable) are skipped.
     */
    static void free(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) {
                a.close();
            }
        }
    }

    /**
     * Reads only the values under the sampled kernel windows, straight from the activations' buffer:
     * a copy of the whole input (as doubles, on the heap) was as large as the input, 13 MB per
     * consumer per chunk of 8 images at 224x224, for the 46 thousand values a chunk samples.
     */
    private static ConsumerSamples convolution(String name, ConvolutionLayer conv, INDArray input, long[] outShape,
                                               int perImage, SplittableRandom rnd) {
        INDArray dense = input.isView() || input.ordering() != 'c' ? input.dup('c') : input;
        try {
            return convolution(name, conv, dense.data(), dense.offset(), input.shape(), outShape, perImage, rnd);
        } finally {
            if (dense != input) {
                free(dense);
            }
        }
    }

    private static ConsumerSamples convolution(String name, ConvolutionLayer conv, DataBuffer in, long offset,
                                               long[] shape, long[] outShape, int perImage, SplittableRandom rnd) {
        int[] k = conv.getKernelSize();
        int[] st = conv.getStride();
        int[] d = conv.getDilation();
        if (d[0] != 1 || d[1] != 1) {
            throw new IllegalArgumentException("consumer " + name + " has dilation " + d[0] + "x" + d[1]
                    + "; channel regression supports dilation 1 only");
        }
        int n = (int) shape[0];
        int c = (int) shape[1];
        int h = (int) shape[2];
        int w = (int) shape[3];
        int oh = (int) outShape[1];
        int ow = (int) outShape[2];
        int[] pad = conv.getConvolutionMode() == ConvolutionMode.Same
                ? ConvolutionUtils.getSameModeTopLeftPadding(new int[]{oh, ow}, new int[]{h, w}, k, st, d)
                : conv.getPadding();
        int width = k[0] * k[1];
        int samples = n * perImage;
        double[] x = new double[samples * c * width];
        int s = 0;
        for (int img = 0; img < n; img++) {
            for (int q = 0; q < perImage; q++, s++) {
                int oy = rnd.nextInt(oh);
                int ox = rnd.nextInt(ow);
                for (int j = 0; j < c; j++) {
                    long base = offset + ((long) img * c + j) * h * w;
                    int dst = (s * c + j) * width;
                    for (int ky = 0; ky < k[0]; ky++) {
                        int y = oy * st[0] - pad[0] + ky;
                        for (int kx = 0; kx < k[1]; kx++) {
                            int xx = ox * st[1] - pad[1] + kx;
                            boolean inside = y >= 0 && y < h && xx >= 0 && xx < w;
                            x[dst + ky * k[1] + kx] = inside ? in.getDouble(base + (long) y * w + xx) : 0;
                        }
                    }
                }
            }
        }
        return new ConsumerSamples(samples, c, width, x);
    }

    /**
     * The weights of {@code consumer} as {@code [outputs][channels][width]}, row-major: convolution
     * {@code W[o, j, ky, kx]}, dense {@code W[j*width + p, o]}.
     */
    static double[] weights(ComputationGraph graph, String consumer, int channels, int width) {
        org.deeplearning4j.nn.api.Layer layer = graph.getLayer(consumer);
        INDArray w = layer.getParam("W").castTo(DataType.DOUBLE);
        if (!ParameterSlicer.isDense(layer.conf().getLayer())) {
            return w.dup('c').data().asDouble();
        }
        int outs = (int) w.size(1);
        double[] flat = w.dup('c').data().asDouble();
        double[] out = new double[outs * channels * width];
        for (int row = 0; row < channels * width; row++) {
            for (int o = 0; o < outs; o++) {
                out[o * channels * width + row] = flat[row * outs + o];
            }
        }
        return out;
    }

    /** Number of outputs of {@code consumer}: convolution {@code W.size(0)}, dense {@code W.size(1)}. */
    static int outputs(ComputationGraph graph, String consumer) {
        org.deeplearning4j.nn.api.Layer layer = graph.getLayer(consumer);
        return (int) layer.getParam("W").size(ParameterSlicer.isDense(layer.conf().getLayer()) ? 1 : 0);
    }

    /** Bias of {@code consumer}, or zeros when it has none. */
    static double[] bias(ComputationGraph graph, String consumer) {
        org.deeplearning4j.nn.api.Layer layer = graph.getLayer(consumer);
        return layer.paramTable().containsKey("b") ? layer.getParam("b").castTo(DataType.DOUBLE).toDoubleVector()
                : new double[outputs(graph, consumer)];
    }

    /**
     * Samples of the inputs of {@code consumers} on {@code images}, gathered over forward passes in
     * chunks ({@link CalibrationPasses}) and equal to {@link #of} on one pass over all images with
     * each consumer's seed {@link LeastSquaresReconstruction#positionSeed}. Memory: the samples plus
     * one chunk's activations.
     *
     * @param info describes {@code graph}, or the unpruned network {@code graph} was cut from (for
     *             the consumers' output sizes and the chunk size)
     */
    static Map<String, ConsumerSamples> collect(ComputationGraph graph, ModelInfo info, List<String> consumers,
                                                INDArray images, int perImage, long seed) {
        Map<String, SplittableRandom> positions = new LinkedHashMap<>();
        Map<String, List<ConsumerSamples>> parts = new LinkedHashMap<>();
        for (String consumer : consumers) {
            positions.put(consumer, new SplittableRandom(LeastSquaresReconstruction.positionSeed(seed, consumer)));
            parts.put(consumer, new ArrayList<>());
        }
        // a consumer of a concatenation is a consumer of several groups: sampled once
        CalibrationPasses.forEach(graph, info, images, (from, activations) -> {
            for (String consumer : parts.keySet()) {
                parts.get(consumer).add(of(graph, consumer, activations.get(inputOf(graph, consumer)),
                        info.layer(consumer).outputShape(), perImage, positions.get(consumer)));
            }
        });
        Map<String, ConsumerSamples> out = new LinkedHashMap<>();
        parts.forEach((consumer, list) -> out.put(consumer, concat(list)));
        return out;
    }

    private static ConsumerSamples concat(List<ConsumerSamples> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        int samples = parts.stream().mapToInt(p -> p.samples).sum();
        ConsumerSamples first = parts.get(0);
        double[] x = new double[Math.multiplyExact(Math.multiplyExact(samples, first.channels), first.width)];
        int at = 0;
        for (ConsumerSamples p : parts) {
            System.arraycopy(p.x, 0, x, at, p.x.length);
            at += p.x.length;
        }
        return new ConsumerSamples(samples, first.width, x, first.inputChannels, first.groupChannels,
                first.consumerChannels);
    }

    /**
     * Bytes the samples of {@code consumer} take on {@code images} images (doubles): a
     * convolution's {@code perImage * kh * kw} values per image and input channel, a dense layer's
     * whole input per image.
     */
    static long bytes(ComputationGraph graph, ModelInfo info, String consumer, long images, int perImage) {
        Layer layer = graph.getLayer(consumer).conf().getLayer();
        long[] in = info.layer(inputOf(graph, consumer)).outputShape();
        long perSample = 1;
        for (long d : in) {
            perSample *= d;
        }
        if (layer.getClass() == ConvolutionLayer.class) {
            int[] k = ((ConvolutionLayer) layer).getKernelSize();
            return images * perImage * in[0] * k[0] * k[1] * Double.BYTES;
        }
        return images * perSample * Double.BYTES;
    }

    /**
     * The samples of every consumer of {@code group}, by consumer name in the group's order, taken
     * from {@code samples} (which holds at least those, over each consumer's whole input, as {@link
     * #collect} gives them) and restricted to the input channels that carry the group (a consumer of
     * a concatenation reads other groups too; they stay as they are). {@link #groupChannels} says
     * which channel of the group each sampled channel is.
     *
     * @param info describes the graph the samples were taken from
     * @throws IllegalArgumentException when a consumer reads another number of channels than {@code info} says
     */
    static Map<String, ConsumerSamples> ofGroup(ModelInfo info, ChannelGroup group,
                                                Map<String, ConsumerSamples> samples) {
        Map<String, ConsumerSamples> out = new LinkedHashMap<>();
        for (String consumer : group.consumers()) {
            ConsumerSamples x = samples.get(consumer);
            int[][] positions = groupPositions(info, group, consumer, x.channels);
            out.put(consumer, x.restrict(positions[0], positions[1]));
        }
        return out;
    }

    /**
     * Which input channels of {@code consumer} (reading {@code channels} channels) carry {@code group}
     * ({@code [0]}), and which channel of the group each of them is ({@code [1]}).
     *
     * @throws IllegalArgumentException when {@code channels} is not what {@code info} says the consumer reads
     */
    static int[][] groupPositions(ModelInfo info, ChannelGroup group, String consumer, int channels) {
        ChannelLayout layout = info.layout(info.consumedInput(consumer));
        if (channels != layout.channels()) {
            throw new IllegalArgumentException("consumer " + consumer + " of group " + group.id() + " reads "
                    + channels + " channels, the ModelInfo says " + layout.channels()
                    + "; pass the ModelInfo of this very graph");
        }
        int[] positions = layout.positionsOf(group.id());
        return new int[][] {positions, java.util.Arrays.stream(positions).map(layout::index).toArray()};
    }

    /** Rejects a count outside {@code [1, group.channels()]}, the contract of {@link ChannelSelector#select}. */
    static void checkCount(ChannelGroup group, int count) {
        if (count < 1 || count > group.channels()) {
            throw new IllegalArgumentException("cannot keep " + count + " channels of group " + group.id()
                    + ": the count must be in [1, " + group.channels() + "]");
        }
    }

    /** The name of the single vertex {@code consumer} reads. */
    static String inputOf(ComputationGraph graph, String consumer) {
        List<String> in = graph.getConfiguration().getVertexInputs().get(consumer);
        if (in == null || in.size() != 1) {
            throw new IllegalArgumentException("consumer " + consumer + " must read exactly one vertex, but reads "
                    + in);
        }
        return in.get(0);
    }
}
