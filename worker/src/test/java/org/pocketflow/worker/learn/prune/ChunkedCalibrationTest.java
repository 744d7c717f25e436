package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.learn.CalibrationPasses;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/** Calibration passes in chunks sample exactly what one pass over all images samples. */
class ChunkedCalibrationTest {
    private static final ImageShape IMAGENET = new ImageShape(3, 224, 224);

    @Test
    void chunkedSamplesEqualOnePassAtImageNetSize() {
        ComputationGraph g = Architecture.MOBILENET_V1_050.factory().create(IMAGENET, 10, 1);
        ModelInfo info = ModelInfo.of(g, IMAGENET);
        long perPass = CalibrationPasses.imagesPerPass(info);
        int images = (int) (2 * perPass + 1);
        assertTrue(images <= 64, "a 224x224 MobileNet pass should hold few images, holds " + perPass);
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, images, 3, 224, 224);

        List<Long> starts = new ArrayList<>();
        CalibrationPasses.forEach(g, info, x, (from, acts) -> {
            starts.add(from);
            assertEquals(Math.min(perPass, images - from), acts.get("b1_dw").size(0));
        });
        assertEquals(List.of(0L, perPass, 2 * perPass), starts);

        List<String> consumers = List.of("b2_pw_conv", "b13_pw_conv", "output");
        Map<String, ConsumerSamples> chunked = ConsumerSamples.collect(g, info, consumers, x, 3, 17);
        Map<String, INDArray> all = g.feedForward(x, false);
        for (String consumer : consumers) {
            ConsumerSamples once = ConsumerSamples.of(g, consumer, all.get(ConsumerSamples.inputOf(g, consumer)),
                    info.layer(consumer).outputShape(), 3, LeastSquaresReconstruction.positionSeed(17, consumer));
            assertEquals(once.samples, chunked.get(consumer).samples, consumer);
            assertArrayEquals(once.x, chunked.get(consumer).x, 1e-6, consumer);
        }
    }

    @Test
    void cacheOverItsBoundSamplesOnlyTheAskedGroup() {
        ImageShape cifar = new ImageShape(3, 32, 32);
        ComputationGraph g = Architecture.RESNET18.factory().create(cifar, 10, 1);
        ModelInfo info = ModelInfo.of(g, cifar);
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32);
        ChannelGroup group = info.groupOf("s3b1_a_conv");

        Map<String, ConsumerSamples> bounded = new ActivationCache(1).of(g, info, group, x, 2, 9);
        Map<String, ConsumerSamples> whole = new ActivationCache().of(g, info, group, x, 2, 9);
        assertEquals(group.consumers(), List.copyOf(bounded.keySet()));
        assertTrue(whole.size() > 10 && whole.keySet().containsAll(group.consumers()), whole.keySet().toString());
        for (String consumer : group.consumers()) {
            assertArrayEquals(whole.get(consumer).x, bounded.get(consumer).x, consumer);
        }
    }
}
