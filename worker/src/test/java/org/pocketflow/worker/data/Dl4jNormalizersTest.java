package org.pocketflow.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerMinMaxScaler;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.model.Architecture;

/** Each supported DL4J normalizer, translated, scales pixels exactly as DL4J's own preProcess does. */
class Dl4jNormalizersTest {
    private static final ImageShape RGB = new ImageShape(3, 6, 5);

    private static byte[] pixels(int n, long seed) {
        byte[] p = new byte[n * RGB.pixels()];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < p.length; i++) {
            int channel = (i / 30) % 3;
            p[i] = (byte) Math.min(255, channel * 50 + rng.nextInt(150));
        }
        return p;
    }

    private static INDArray raw(byte[] p, int n) {
        float[] f = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            f[i] = p[i] & 0xFF;
        }
        return Nd4j.create(f, new long[] {n, RGB.channels(), RGB.height(), RGB.width()}, 'c');
    }

    /** Fits {@code dl4j} on raw pixels, then compares its output with the translated normalizer's. */
    private static void assertSameScaling(DataNormalization dl4j) {
        int n = 40;
        byte[] p = pixels(n, 9);
        DataSet ds = new DataSet(raw(p, n), Nd4j.zeros(DataType.FLOAT, n, 2));
        dl4j.fit(ds);
        Normalizer ours = Dl4jNormalizers.translate(dl4j, RGB.channels());
        INDArray expected = raw(p, n);
        dl4j.transform(expected);
        ImageSet set = ImageSet.of(RGB, 2, p, IdxFiles.cyclicLabels(n, 2));
        INDArray actual = set.batchesInOrder(n, ours).next().getFeatures();
        double maxDiff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(maxDiff < 1e-3, dl4j.getClass().getSimpleName() + " differs by " + maxDiff);
    }

    @Test
    void imagePreProcessingScalerIsTranslatedExactly() {
        assertSameScaling(new ImagePreProcessingScaler(0, 1));
        assertSameScaling(new ImagePreProcessingScaler(-1, 1));
        assertEquals("dl4j:ImagePreProcessingScaler",
                Dl4jNormalizers.translate(new ImagePreProcessingScaler(0, 1), 3).source());
    }

    @Test
    void standardizeWithPerChannelStatisticsIsTranslatedExactly() {
        assertSameScaling(new NormalizerStandardize());
    }

    @Test
    void minMaxWithPerChannelStatisticsIsTranslatedExactly() {
        assertSameScaling(new NormalizerMinMaxScaler(0, 1));
    }

    @Test
    void readsTheNormalizerStoredInAModelZipAndNothingFromAZipWithout(@TempDir Path tmp) throws Exception {
        ComputationGraph g = Architecture.LENET.factory().create(new ImageShape(1, 28, 28), 10, 1);
        Path zip = tmp.resolve("m.zip");
        ModelSerializer.writeModel(g, zip.toFile(), false);
        assertTrue(Dl4jNormalizers.read(zip.toString(), 1).isEmpty());
        ModelSerializer.addNormalizerToModel(zip.toFile(), new ImagePreProcessingScaler(0, 1));
        Normalizer stored = Dl4jNormalizers.read(zip.toUri().toString(), 1).orElseThrow();
        assertEquals(0f, stored.apply(0), 1e-7);
        assertEquals(1f, stored.apply(255), 1e-6);
    }
}
