package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.learn.CalibrationPasses;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Calibration passes in chunks sample exactly what one pass over all images samples, and a consumer
 * of a concatenation, cached once, is restricted per group to the input channels carrying it.
 */
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

        Map<String, ConsumerSamples> bounded = new ActivationCache<>(ConsumerSamples::collect, ConsumerSamples::bytes, 1)
                .of(g, info, group, x, 2, 9);
        Map<String, ConsumerSamples> whole = ActivationCache.ofSamples().of(g, info, group, x, 2, 9);
        assertEquals(group.consumers(), List.copyOf(bounded.keySet()));
        assertTrue(whole.size() > 10 && whole.keySet().containsAll(group.consumers()), whole.keySet().toString());
        for (String consumer : group.consumers()) {
            assertArrayEquals(whole.get(consumer).x, bounded.get(consumer).x, consumer);
        }
    }

    @ParameterizedTest
    @EnumSource(UserNetworks.Kind.class)
    void concatConsumersAreSampledOnceAndRestrictedToEachGroupsChannels(UserNetworks.Kind kind) {
        ComputationGraph g = UserNetworks.create(kind, 31);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        INDArray x = Networks.input(5, 32);
        Map<String, INDArray> all = g.feedForward(x, false);
        ActivationCache<ConsumerSamples> cache = ActivationCache.ofSamples();
        boolean restricted = false;
        for (ChannelGroup group : info.groups()) {
            if (!group.prunable()) {
                continue;
            }
            Map<String, ConsumerSamples> got = ConsumerSamples.ofGroup(info, group, cache.of(g, info, group, x, 2, 9));
            assertEquals(group.consumers(), List.copyOf(got.keySet()));
            for (String consumer : group.consumers()) {
                ConsumerSamples once = ConsumerSamples.of(g, consumer, all.get(ConsumerSamples.inputOf(g, consumer)),
                        info.layer(consumer).outputShape(), 2, LeastSquaresReconstruction.positionSeed(9, consumer));
                ConsumerSamples r = got.get(consumer);
                String what = "group " + group.name() + ", consumer " + consumer;
                assertEquals(once.samples, r.samples, what);
                assertArrayEquals(java.util.stream.IntStream.range(0, (int) group.channels()).toArray(),
                        Arrays.stream(r.groupChannels).sorted().toArray(), what);
                restricted |= r.channels < once.channels;
                for (int s = 0; s < r.samples; s++) {
                    for (int j = 0; j < r.channels; j++) {
                        for (int p = 0; p < r.width; p++) {
                            assertEquals(once.x[(s * once.channels + r.inputChannels[j]) * once.width + p],
                                    r.x[(s * r.channels + j) * r.width + p], 1e-9, what);
                        }
                    }
                }
            }
        }
        assertTrue(restricted, "a consumer of the concatenation reads more channels than one group");
    }
}
