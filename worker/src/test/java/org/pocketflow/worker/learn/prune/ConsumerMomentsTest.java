package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * The moments DCP keeps instead of samples, gathered over chunked passes, equal the moments of the
 * samples one pass over all images takes, and are restricted per group like the samples.
 */
class ConsumerMomentsTest {
    private static final ImageShape IMAGENET = new ImageShape(3, 224, 224);

    @Test
    void chunkedMomentsEqualThoseOfOnePassesSamplesAtImageNetSize() {
        ComputationGraph g = Architecture.MOBILENET_V1_050.factory().create(IMAGENET, 10, 1);
        ModelInfo info = ModelInfo.of(g, IMAGENET);
        int images = (int) (2 * CalibrationPasses.imagesPerPass(info) + 1);
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, images, 3, 224, 224);
        List<String> consumers = List.of("b2_pw_conv", "b13_pw_conv", "output");
        Map<String, ConsumerMoments> chunked = ConsumerMoments.collect(g, info, consumers, x, 3, 17);
        Map<String, INDArray> all = g.feedForward(x, false);
        for (String consumer : consumers) {
            ConsumerSamples once = ConsumerSamples.of(g, consumer, all.get(ConsumerSamples.inputOf(g, consumer)),
                    info.layer(consumer).outputShape(), 3, LeastSquaresReconstruction.positionSeed(17, consumer));
            assertMomentsOf(once, images, chunked.get(consumer), consumer);
        }
    }

    @ParameterizedTest
    @EnumSource(UserNetworks.Kind.class)
    void concatConsumersAreRestrictedToEachGroupsChannels(UserNetworks.Kind kind) {
        ComputationGraph g = UserNetworks.create(kind, 31);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        INDArray x = Networks.input(5, 32);
        ActivationCache<ConsumerMoments> moments = new ActivationCache<>(ConsumerMoments::collect,
                ConsumerMoments::bytes, ActivationCache.MAX_BYTES);
        ActivationCache<ConsumerSamples> samples = ActivationCache.ofSamples();
        boolean restricted = false;
        for (ChannelGroup group : info.groups()) {
            if (!group.prunable()) {
                continue;
            }
            Map<String, ConsumerMoments> got = ConsumerMoments.ofGroup(info, group, moments.of(g, info, group, x, 2, 9));
            Map<String, ConsumerSamples> want = ConsumerSamples.ofGroup(info, group, samples.of(g, info, group, x, 2, 9));
            assertEquals(group.consumers(), List.copyOf(got.keySet()));
            for (String consumer : group.consumers()) {
                String what = "group " + group.name() + ", consumer " + consumer;
                ConsumerMoments m = got.get(consumer);
                ConsumerSamples s = want.get(consumer);
                assertArrayEquals(s.inputChannels, m.inputChannels, what);
                assertArrayEquals(s.groupChannels, m.groupChannels, what);
                assertMomentsOf(s, 5, m, what);
                restricted |= m.channels < info.layout(info.consumedInput(consumer)).channels();
            }
        }
        assertTrue(restricted, "a consumer of the concatenation reads more channels than one group");
    }

    /** {@code m} holds the mean, centred Gram matrix and centred image means of the samples {@code s}. */
    private static void assertMomentsOf(ConsumerSamples s, int images, ConsumerMoments m, String what) {
        int d = s.channels * s.width;
        int perImage = s.samples / images;
        assertEquals(s.samples, m.samples, what);
        assertEquals(images, m.images, what);
        assertEquals(d, m.channels * m.width, what);
        double[] mean = new double[d];
        for (int i = 0; i < s.samples; i++) {
            for (int j = 0; j < d; j++) {
                mean[j] += s.x[i * d + j] / s.samples;
            }
        }
        double[] gram = new double[d * d];
        double[] imageMeans = new double[images * d];
        double scale = 0;
        for (int i = 0; i < s.samples; i++) {
            for (int j = 0; j < d; j++) {
                double cj = s.x[i * d + j] - mean[j];
                imageMeans[(i / perImage) * d + j] += cj / perImage;
                for (int k = 0; k < d; k++) {
                    gram[j * d + k] += cj * (s.x[i * d + k] - mean[k]);
                }
                scale = Math.max(scale, Math.abs(s.x[i * d + j]));
            }
        }
        double tolerance = 1e-9 * Math.max(1, scale * scale * s.samples);
        assertArrayEquals(mean, m.mean.toDoubleVector(), 1e-9 * Math.max(1, scale), what + ": mean");
        assertArrayEquals(gram, m.gram.reshape(-1).toDoubleVector(), tolerance, what + ": Gram");
        assertArrayEquals(imageMeans, m.imageMeans.reshape(-1).toDoubleVector(), 1e-9 * Math.max(1, scale),
                what + ": image means");
    }
}
