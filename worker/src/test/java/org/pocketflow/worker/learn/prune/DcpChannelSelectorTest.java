package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

class DcpChannelSelectorTest extends ChannelSelectorContract {
    private static final INDArray IMAGES = Networks.input(16, 5);
    private static final INDArray LABELS = oneHot(new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5});

    @Override
    ChannelSelector selector() {
        return new DcpChannelSelector(IMAGES, LABELS, 7, 4, DcpChannelSelector.DEFAULT_WEIGHT);
    }

    /**
     * The labels are decided by ten of fc1's channels alone (a random linear read-out of them),
     * while the output layer's weights for the other 490 channels are made five times larger, so
     * that those carry most of the output the consumer has to reconstruct. Without the
     * discrimination loss (weight 0: greedy reconstruction) the selector keeps the large channels;
     * with it, it keeps the channels that tell the class.
     */
    @Test
    void theDiscriminationLossKeepsTheChannelsThatTellTheClass() {
        ComputationGraph g = Networks.create(Architecture.LENET, 3);
        INDArray images = Networks.input(192, 9);
        INDArray hidden = g.feedForward(images, false).get("fc1");
        int[] informative = liveChannels(hidden, 10);
        INDArray labels = labelsFrom(hidden, informative, 13);
        INDArray w = g.getLayer("output").getParam("W");
        for (int j = 0; j < w.size(0); j++) {
            int channel = j;
            if (Arrays.stream(informative).noneMatch(i -> i == channel)) {
                w.getRow(j).muli(5);
            }
        }
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        ChannelGroup group = info.groupOf("fc1");
        int[] withLoss = new DcpChannelSelector(images, labels, 1, 4, 50).select(g, info, group, 10);
        int[] without = new DcpChannelSelector(images, labels, 1, 4, 0).select(g, info, group, 10);
        assertTrue(overlap(withLoss, informative) >= 7, "with the loss " + Arrays.toString(withLoss)
                + ", informative " + Arrays.toString(informative));
        assertTrue(overlap(without, informative) <= 3, "without " + Arrays.toString(without)
                + ", informative " + Arrays.toString(informative));
    }

    /** Same through an auxiliary head: conv2's group, read by fc1 (not the output layer). */
    @Test
    void theAuxiliaryHeadGuidesGroupsThatDoNotFeedTheOutput() {
        ComputationGraph g = Networks.create(Architecture.LENET, 4);
        INDArray images = Networks.input(192, 10);
        INDArray maps = g.feedForward(images, false).get("pool2");
        INDArray pooled = maps.mean(2, 3);
        int[] informative = liveChannels(pooled, 5);
        INDArray labels = labelsFrom(pooled, informative, 17);
        INDArray w = g.getLayer("fc1").getParam("W");
        for (int j = 0; j < maps.size(1); j++) {
            int channel = j;
            if (Arrays.stream(informative).noneMatch(i -> i == channel)) {
                w.get(NDArrayIndex.interval(j * 16, (j + 1) * 16), NDArrayIndex.all()).muli(5);
            }
        }
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        ChannelGroup group = info.groupOf("conv2");
        int[] withLoss = new DcpChannelSelector(images, labels, 1, 4, 50).select(g, info, group, 5);
        int[] without = new DcpChannelSelector(images, labels, 1, 4, 0).select(g, info, group, 5);
        assertTrue(overlap(withLoss, informative) > overlap(without, informative) && overlap(withLoss, informative) >= 3,
                "with the loss " + Arrays.toString(withLoss) + ", without " + Arrays.toString(without)
                        + ", informative " + Arrays.toString(informative));
    }

    @Test
    void rejectsMissingOrMismatchedLabelsAndBadWeights() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DcpChannelSelector(IMAGES, null, 1));
        assertTrue(e.getMessage().contains("labels") && e.getMessage().contains("null"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DcpChannelSelector(IMAGES, LABELS.get(NDArrayIndex.interval(0, 8), NDArrayIndex.all()), 1));
        assertTrue(e.getMessage().contains("[16, classes]") && e.getMessage().contains("[8, 10]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DcpChannelSelector(IMAGES, LABELS, 1, 4, -1));
        assertTrue(e.getMessage().contains("weight") && e.getMessage().contains("-1"), e.getMessage());
        assertEquals("dcp", selector().name());
    }

    /** The {@code n} channels (columns, or channels of {@code [N, C, ...]}) of largest variance. */
    private static int[] liveChannels(INDArray a, int n) {
        INDArray flat = a.rank() == 2 ? a : a.reshape(a.size(0), a.size(1), -1).mean(2);
        double[] var = flat.var(0).toDoubleVector();
        return java.util.stream.IntStream.range(0, var.length).boxed()
                .sorted((x, y) -> Double.compare(var[y], var[x])).limit(n).mapToInt(Integer::intValue).sorted()
                .toArray();
    }

    /** One-hot labels: argmax of a random linear read-out of the standardised {@code channels} of {@code a}. */
    private static INDArray labelsFrom(INDArray a, int[] channels, long seed) {
        INDArray f = a.get(NDArrayIndex.all(), NDArrayIndex.indices(Arrays.stream(channels).asLongStream().toArray()))
                .castTo(DataType.DOUBLE);
        f = f.subRowVector(f.mean(0)).divRowVector(f.std(0).addi(1e-9));
        Nd4j.getRandom().setSeed(seed);
        INDArray scores = f.mmul(Nd4j.randn(DataType.DOUBLE, channels.length, 10));
        int[] classes = new int[(int) a.size(0)];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = scores.getRow(i).argMax().getInt(0);
        }
        return oneHot(classes);
    }

    private static INDArray oneHot(int[] classes) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, classes.length, 10);
        for (int i = 0; i < classes.length; i++) {
            y.putScalar(i, classes[i], 1);
        }
        return y;
    }

    private static long overlap(int[] a, int[] b) {
        return Arrays.stream(a).filter(x -> Arrays.stream(b).anyMatch(y -> y == x)).count();
    }
}
