package org.pocketflow.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NormalizerTest {

    @Test
    void fittedNormalizerGivesZeroMeanUnitStdOnItsTrainingSet() {
        ImageShape shape = new ImageShape(1, 8, 8);
        int n = 200;
        byte[] pixels = new byte[n * shape.pixels()];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) Math.min(255, (int) (rng.nextDouble() * rng.nextDouble() * 300));
        }
        ImageSet set = ImageSet.of(shape, 10, pixels, IdxFiles.cyclicLabels(n, 10));
        Normalizer norm = Normalizer.fit(set);
        double sum = 0;
        double squares = 0;
        var batches = set.batchesInOrder(64, norm);
        while (batches.hasNext()) {
            for (float v : batches.next().getFeatures().data().asFloat()) {
                sum += v;
                squares += (double) v * v;
            }
        }
        double mean = sum / pixels.length;
        assertEquals(0.0, mean, 1e-5);
        assertEquals(1.0, Math.sqrt(squares / pixels.length - mean * mean), 1e-5);
    }

    @Test
    void lookupTableMatchesTheFormula() {
        Normalizer norm = new Normalizer(0.2860, 0.3530);
        float[] table = norm.lookupTable();
        for (int v = 0; v < 256; v++) {
            assertEquals((v / 255.0 - 0.2860) / 0.3530, table[v], 1e-6);
            assertEquals(table[v], norm.apply(v));
        }
    }

    @Test
    void unitOnlyScalesToZeroOne() {
        assertEquals(0f, Normalizer.UNIT.apply(0));
        assertEquals(1f, Normalizer.UNIT.apply(255));
    }

    @Test
    void rejectsNonPositiveStdAndConstantData() {
        assertThrows(IllegalArgumentException.class, () -> new Normalizer(0, 0));
        ImageSet constant = ImageSet.of(new ImageShape(1, 2, 2), 2, new byte[8], new byte[] {0, 1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Normalizer.fit(constant));
        assertEquals(true, e.getMessage().contains("Normalizer.UNIT"), e.getMessage());
    }
}
