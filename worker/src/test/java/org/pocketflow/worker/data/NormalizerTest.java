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

    @Test
    void fitsEachChannelOfRgbImagesOnItsOwn() {
        ImageShape shape = new ImageShape(3, 4, 4);
        int n = 50;
        byte[] pixels = new byte[n * shape.pixels()];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        for (int i = 0; i < pixels.length; i++) {
            int channel = (i / 16) % 3;
            pixels[i] = (byte) (channel * 80 + rng.nextInt(60)); // channel c in [80c, 80c + 60)
        }
        ImageSet set = ImageSet.of(shape, 2, pixels, IdxFiles.cyclicLabels(n, 2));
        Normalizer norm = Normalizer.fit(set);
        assertEquals(3, norm.channels());
        for (int c = 0; c < 3; c++) {
            assertEquals((80 * c + 29.5) / 255, norm.mean()[c], 0.02);
            assertEquals(norm.mean()[c] * 255, norm.rawMean()[c], 1e-9);
            assertEquals(norm.std()[c] * 255, norm.rawStd()[c], 1e-9);
        }
        double[] sum = new double[3];
        var batch = set.batchesInOrder(n, norm).next().getFeatures();
        for (int c = 0; c < 3; c++) {
            sum[c] = batch.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(c))
                    .meanNumber().doubleValue();
            assertEquals(0.0, sum[c], 1e-4, "channel " + c + " is centred by its own mean");
        }
    }

    @Test
    void rawScaleValuesGiveTheSameInputs() {
        Normalizer norm = Normalizer.perChannel(new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225},
                "mean-std");
        for (int c = 0; c < 3; c++) {
            for (int x : new int[] {0, 17, 128, 255}) {
                assertEquals((x - norm.rawMean()[c]) / norm.rawStd()[c], norm.apply(x, c), 1e-5);
            }
        }
        assertEquals(1f, Normalizer.NONE.apply(1));
        assertEquals(255f, Normalizer.NONE.apply(255));
    }

    @Test
    void refusesImagesWhoseChannelsItHasNoValuesFor() {
        Normalizer rgb = Normalizer.IMAGENET;
        ImageSet grey = ImageSet.of(new ImageShape(1, 2, 2), 2, new byte[8], new byte[] {0, 1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> grey.batchesInOrder(2, rgb));
        assertEquals(true, e.getMessage().contains("pocketflow.data.mean"), e.getMessage());
        assertEquals(true, Normalizer.UNIT.fits(3) && Normalizer.UNIT.fits(1));
    }
}
