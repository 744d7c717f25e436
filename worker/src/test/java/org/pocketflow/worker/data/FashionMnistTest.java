package org.pocketflow.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reads the real Fashion-MNIST when it is installed (Debian's dataset-fashion-mnist). */
class FashionMnistTest {
    private static final Path FOLDER = Path.of("/usr/share/datasets/fashion-mnist");
    private static IdxDataset dataset;

    @BeforeAll
    static void load() {
        Assumptions.assumeTrue(Files.isDirectory(FOLDER), "Fashion-MNIST is not installed at " + FOLDER);
        dataset = IdxDataset.open(IdxDataset.DEFAULT_URI);
    }

    @Test
    void loadsSixtyThousandTrainAndTenThousandTestImages() {
        assertEquals(60_000, dataset.train().size());
        assertEquals(10_000, dataset.test().size());
        assertEquals(new ImageShape(1, 28, 28), dataset.shape());
        assertEquals(10, dataset.classes());
        assertEquals(64, dataset.sha256().length());
    }

    @Test
    void labelsAreBalancedAndInRange() {
        for (int count : dataset.train().classCounts()) {
            assertEquals(6_000, count);
        }
        for (int count : dataset.test().classCounts()) {
            assertEquals(1_000, count);
        }
    }

    @Test
    void normalizerFittedOnTrainingSplitCentresIt() {
        ImageSet train = dataset.train().split(0.1, 1).train();
        Normalizer norm = Normalizer.fit(train);
        assertTrue(Math.abs(norm.mean()[0] - 0.286) < 0.01, "mean " + norm.mean()[0]);
        double sum = 0;
        double squares = 0;
        long n = 0;
        var batches = train.batches(1024, norm, 1, 0);
        while (batches.hasNext()) {
            for (float v : batches.next().getFeatures().data().asFloat()) {
                sum += v;
                squares += (double) v * v;
                n++;
            }
        }
        assertEquals(0.0, sum / n, 1e-3);
        assertEquals(1.0, Math.sqrt(squares / n - (sum / n) * (sum / n)), 1e-3);
    }
}
