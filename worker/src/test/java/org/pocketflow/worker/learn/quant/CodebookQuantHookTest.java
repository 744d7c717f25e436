package org.pocketflow.worker.learn.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.pocketflow.worker.export.CodebookTensor;
import org.pocketflow.worker.export.ChannelCodebookTensor;
import org.pocketflow.worker.export.TensorEncoding;
import org.pocketflow.worker.learn.WeightTensor;

/** The codebook mechanics of {@link CodebookOptions}: initialisation, gradient centroid steps, per-channel scales. */
class CodebookQuantHookTest {
    private static final WeightTensor CONV = new WeightTensor("conv", "conv_W", new long[]{8, 4, 5, 5}, 0);

    /** Bell-shaped weights whose channel {@code c} has standard deviation {@code 0.02 * (1 + c)}. */
    private static float[] weights(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[800];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * 0.02 * (1 + i / 100));
        }
        return w;
    }

    private static CodebookQuantHook hook(CodebookOptions options, int bits, float[] w) {
        CodebookQuantHook h = new CodebookQuantHook(List.of(CONV), Map.of(CONV.key(), bits), options);
        h.init(CONV, bits, w.clone());
        return h;
    }

    /** A hook giving {@link #CONV} a codebook per channel. */
    private static CodebookQuantHook perChannel(CodebookOptions.Update update, int bits, float[] w) {
        CodebookQuantHook h = new CodebookQuantHook(List.of(CONV), Map.of(CONV.key(), bits), options(
                CodebookOptions.Init.QUANTILE, update, CodebookOptions.Scale.CHANNEL_CODEBOOKS), Set.of(CONV.key()));
        h.init(CONV, bits, w.clone());
        return h;
    }

    private static int[] indices(TensorEncoding e) {
        return e instanceof ChannelCodebookTensor s ? s.indices() : ((CodebookTensor) e).indices();
    }

    private static CodebookOptions options(CodebookOptions.Init init, CodebookOptions.Update update,
                                           CodebookOptions.Scale scale) {
        return new CodebookOptions(init, update, scale);
    }

    @Test
    void gradientStepMovesEachCentroidByItsMembersSummedChangeOverTheirSquaredScales() {
        KMeansCodebook book = new KMeansCodebook(new float[]{-1f, 0f, 1f}, new int[]{0, 0, 1, 2, 2, 2});
        book.descend(new float[]{0.1f, 0.3f, -0.5f, 0.3f, 0.3f, 0.6f}, null);
        assertArrayEquals(new float[]{-0.8f, -0.5f, 1.4f}, book.centroids(), 1e-6f);
        assertArrayEquals(new int[]{0, 0, 1, 2, 2, 2}, book.indices(), "assignments stay");

        KMeansCodebook scaled = new KMeansCodebook(new float[]{1f}, new int[]{0, 0});
        // scales 1 and 3: the least-squares step is (1*0.2 + 3*0.6) / (1 + 9) = 0.2
        scaled.descend(new float[]{0.2f, 0.6f}, new float[]{1f, 3f});
        assertEquals(1.2f, scaled.centroids()[0], 1e-6f);
    }

    @Test
    void gradientFineTuningLowersALossWithoutChangingAssignments() {
        float[] w = weights(1);
        SplittableRandom r = new SplittableRandom(2);
        float[] target = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            target[i] = w[i] * 1.3f + (float) (r.nextGaussian() * 0.01);
        }
        for (CodebookOptions.Scale scale : CodebookOptions.Scale.values()) {
            CodebookQuantHook h = scale == CodebookOptions.Scale.CHANNEL_CODEBOOKS
                    ? perChannel(CodebookOptions.Update.GRADIENT, 3, w)
                    : hook(options(CodebookOptions.Init.QUANTILE, CodebookOptions.Update.GRADIENT, scale), 3, w);
            int[] before = indices(h.encode(CONV));
            double first = QuantizersTest.mse(h.project(CONV), target);
            for (int step = 0; step < 50; step++) {
                float[] q = h.project(CONV);
                float[] delta = new float[q.length];
                for (int i = 0; i < q.length; i++) {
                    delta[i] = -0.1f * (q[i] - target[i]); // SGD on 0.5 * |q - target|^2
                }
                h.absorb(CONV, delta);
            }
            TensorEncoding e = h.encode(CONV);
            assertArrayEquals(before, indices(e), scale + ": assignments fixed");
            double last = QuantizersTest.mse(h.project(CONV), target);
            assertTrue(last < 0.8 * first, scale + ": loss " + first + " -> " + last);
            assertArrayEquals(h.project(CONV), e.decode(), 1e-7f, scale + ": the encoding decodes to the projection");
        }
    }

    @Test
    void perChannelScalesBeatOneCodebookWhenChannelRangesDiffer() {
        float[] w = weights(3);
        for (int bits : new int[]{2, 3}) {
            CodebookQuantHook layer = hook(CodebookOptions.PER_LAYER, bits, w);
            CodebookQuantHook channel = hook(options(CodebookOptions.Init.QUANTILE, CodebookOptions.Update.LLOYD,
                    CodebookOptions.Scale.CHANNEL), bits, w);
            double el = QuantizersTest.mse(w, layer.project(CONV));
            double ec = QuantizersTest.mse(w, channel.project(CONV));
            assertTrue(ec < 0.7 * el, bits + " bits: per-channel " + ec + " vs per-layer " + el);
            ChannelCodebookTensor t = assertInstanceOf(ChannelCodebookTensor.class, channel.encode(CONV));
            assertTrue(t.codebook().length <= 1 << bits);
            assertEquals(8, t.scales().length);
            assertArrayEquals(channel.project(CONV), t.decode(), 0f);
            assertInstanceOf(CodebookTensor.class, layer.encode(CONV));
        }
    }

    @Test
    void lloydStepsWithChannelScalesFollowTheShadowWeights() {
        float[] w = weights(4);
        CodebookQuantHook h = hook(options(CodebookOptions.Init.QUANTILE, CodebookOptions.Update.LLOYD,
                CodebookOptions.Scale.CHANNEL), 3, w);
        float[] before = h.project(CONV);
        float[] doubled = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            doubled[i] = 2 * w[i];
        }
        // the shadow weights become 2w: the scales double, the normalised weights and their codebook stay
        h.absorb(CONV, w.clone());
        ChannelCodebookTensor t = (ChannelCodebookTensor) h.encode(CONV);
        assertArrayEquals(CodebookQuantHook.rootMeanSquares(doubled, CONV), t.scales(), 1e-6f);
        float[] after = h.project(CONV);
        for (int i = 0; i < w.length; i++) {
            assertEquals(2 * before[i], after[i], 1e-6f, "element " + i);
        }
    }

    @Test
    void linearInitialisationKeepsACentroidForTheFewLargestWeights() {
        SplittableRandom r = new SplittableRandom(5);
        float[] w = new float[10_000];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * 0.05);
        }
        for (int i = 0; i < 5; i++) {
            w[i * 2000] = 1.0f; // five large weights among 10,000: the quantiles place no centroid near them
        }
        float[] q = KMeansCodebook.fit(w, 2, CodebookOptions.Init.QUANTILE).values();
        KMeansCodebook linear = KMeansCodebook.fit(w, 2, CodebookOptions.Init.LINEAR);
        float[] l = linear.values();
        double outlierQ = 0;
        double outlierL = 0;
        for (int i = 0; i < 5; i++) {
            outlierQ += Math.abs(q[i * 2000] - 1.0);
            outlierL += Math.abs(l[i * 2000] - 1.0);
        }
        assertTrue(outlierQ > 2, "quantile start: large weights' error " + outlierQ);
        assertTrue(outlierL < 0.1 * outlierQ, "large weights' error: linear " + outlierL + ", quantile " + outlierQ);
        assertEquals(4, linear.centroids().length);
        for (int j = 1; j < 4; j++) {
            assertTrue(linear.centroids()[j - 1] < linear.centroids()[j], "sorted");
        }
    }

    @Test
    void perChannelCodebooksGoToTheCheapestTensorsWhileTheBytesStayWithinUniformRanges() {
        // LeNet's weight tensors: conv1 20 channels, conv2 50, fc1 500, output 10
        WeightTensor conv1 = new WeightTensor("conv1", "conv1_W", new long[]{20, 1, 5, 5}, 0);
        WeightTensor conv2 = new WeightTensor("conv2", "conv2_W", new long[]{50, 20, 5, 5}, 0);
        WeightTensor fc1 = new WeightTensor("fc1", "fc1_W", new long[]{800, 500}, 1);
        WeightTensor out = new WeightTensor("output", "output_W", new long[]{500, 10}, 1);
        List<WeightTensor> all = List.of(conv1, conv2, fc1, out);
        Map<String, Integer> two = Map.of("conv1_W", 2, "conv2_W", 2, "fc1_W", 2, "output_W", 2);
        assertEquals(Set.of("conv1_W", "conv2_W", "output_W"),
                CodebookQuantHook.perChannelWhereBytesAllow(all, two));
        Map<String, Integer> four = Map.of("conv1_W", 4, "conv2_W", 4, "fc1_W", 4, "output_W", 4);
        assertEquals(Set.of("conv1_W", "output_W"), CodebookQuantHook.perChannelWhereBytesAllow(all, four));
    }

    @Test
    void perChannelCodebooksFitEachChannelAtLeastAsWellAsUniformLevels() {
        float[] w = weights(6);
        for (int c = 0; c < 8; c++) {
            for (int i = c * 100; i < c * 100 + 100; i++) {
                w[i] += 0.03f * (c - 4); // channels with different means, which scales alone cannot follow
            }
        }
        for (int bits : new int[]{2, 3}) {
            CodebookQuantHook books = perChannel(CodebookOptions.Update.LLOYD, bits, w);
            float[] alpha = UniformQuantizer.clipFactors(w, CONV.shape(), 0, bits);
            float[] uniform = new float[w.length];
            UniformQuantizer.fakeQuantize(w, CONV.shape(), 0, bits, alpha, uniform);
            float[] q = books.project(CONV);
            double codebookError = QuantizersTest.mse(w, q);
            double uniformError = QuantizersTest.mse(w, uniform);
            assertTrue(codebookError < uniformError, bits + " bits: " + codebookError + " vs uniform " + uniformError);
            ChannelCodebookTensor t = assertInstanceOf(ChannelCodebookTensor.class, books.encode(CONV));
            assertTrue(t.perChannel());
            assertArrayEquals(q, t.decode(), 0f);
            for (int c = 0; c < 8; c++) {
                java.util.Set<Float> levels = new java.util.HashSet<>();
                for (int i = c * 100; i < c * 100 + 100; i++) {
                    levels.add(q[i]);
                }
                assertTrue(levels.size() <= 1 << bits, "channel " + c + ": " + levels.size() + " levels");
            }
        }
    }

    @Test
    void assignKeepsTheCentroidsAndMovesWeightsBetweenThem() {
        float[] w = weights(7);
        CodebookQuantHook h = hook(options(CodebookOptions.Init.QUANTILE, CodebookOptions.Update.ASSIGN,
                CodebookOptions.Scale.LAYER), 2, w);
        CodebookTensor before = (CodebookTensor) h.encode(CONV);
        float[] delta = new float[w.length];
        delta[0] = 1.0f; // far beyond every centroid: weight 0 moves to the largest
        h.absorb(CONV, delta);
        CodebookTensor after = (CodebookTensor) h.encode(CONV);
        assertArrayEquals(before.codebook(), after.codebook(), 0f, "centroids stay");
        assertEquals(after.codebook().length - 1, after.indices()[0]);
        int[] b = before.indices();
        int[] a = after.indices();
        for (int i = 1; i < w.length; i++) {
            assertEquals(b[i], a[i], "element " + i + " did not move");
        }
    }
}
