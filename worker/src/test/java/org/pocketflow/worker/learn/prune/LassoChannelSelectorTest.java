package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

class LassoChannelSelectorTest extends ChannelSelectorContract {
    private static final INDArray CALIBRATION = Networks.input(16, 5);

    @Override
    ChannelSelector selector() {
        return new LassoChannelSelector(CALIBRATION, 7, 4, true);
    }

    /**
     * Channels 0-9 of conv2 get large filters (L1's favourites) but fc1 ignores them (their rows are
     * zero): they contribute nothing to the consumer's output, so LASSO drops them and L1 keeps them.
     * 30 of 50 are kept, fewer than the channels alive on the noise images.
     */
    @Test
    void dropsChannelsTheConsumerIgnoresWhateverTheirFilterNorm() {
        ComputationGraph g = Networks.create(Architecture.LENET, 3);
        INDArray conv2 = g.getLayer("conv2").getParam("W");
        INDArray fc1 = g.getLayer("fc1").getParam("W");
        for (int c = 0; c < 10; c++) {
            conv2.get(NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()).muli(10);
            fc1.get(NDArrayIndex.interval(c * 16, (c + 1) * 16), NDArrayIndex.all()).assign(0);
        }
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        ChannelGroup group = info.groupOf("conv2");
        int[] lasso = selector().select(g, info, group, 30);
        int[] l1 = new L1ChannelSelector().select(g, info, group, 30);
        assertTrue(Arrays.stream(lasso).allMatch(c -> c >= 10), Arrays.toString(lasso));
        assertTrue(Arrays.stream(l1).filter(c -> c < 10).count() == 10, Arrays.toString(l1));
    }

    @Test
    void theSeedDecidesTheSampledPositions() {
        ComputationGraph g = Networks.create(Architecture.RESNET20, 4);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        String consumer = "s2b2_b_conv";
        INDArray input = g.feedForward(CALIBRATION, false).get(ConsumerSamples.inputOf(g, consumer));
        long[] out = info.layer(consumer).outputShape();
        ConsumerSamples a = ConsumerSamples.of(g, consumer, input, out, 3, 11);
        assertEquals(16 * 3, a.samples);
        assertEquals(32, a.channels);
        assertEquals(9, a.width);
        assertArrayEquals(a.x, ConsumerSamples.of(g, consumer, input, out, 3, 11).x);
        assertTrue(!Arrays.equals(a.x, ConsumerSamples.of(g, consumer, input, out, 3, 12).x));
    }

    @Test
    void rejectsBadCalibrationAndPositions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LassoChannelSelector(CALIBRATION.reshape(16, 784), 1));
        assertTrue(e.getMessage().contains("[N, C, H, W]") && e.getMessage().contains("[16, 784]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LassoChannelSelector(CALIBRATION, 1, 0, true));
        assertTrue(e.getMessage().contains("positions per image") && e.getMessage().contains("0"), e.getMessage());
        assertEquals("lasso", new LassoChannelSelector(CALIBRATION, 1).name());
    }
}
