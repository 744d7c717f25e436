package org.pocketflow.worker.data.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The augmentation's distribution and determinism, and the evaluation crop. */
class ImageTransformTest {

    @Test
    void randomCropsStayWithinTorchvisionsScaleAndRatioBounds() {
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < 2000; i++) {
            ImageTransform.Crop c = ImageTransform.randomCrop(375, 500, rng);
            double area = c.height() * c.width() / (375.0 * 500);
            double ratio = c.width() / c.height();
            assertTrue(area >= 0.075 && area <= 1.0, "area " + area);
            assertTrue(ratio >= 0.74 && ratio <= 1.35, "ratio " + ratio);
            assertTrue(c.top() >= 0 && c.left() >= 0 && c.top() + c.height() <= 375 && c.left() + c.width() <= 500);
        }
    }

    @Test
    void theSameSeedGivesTheSameInput() {
        ImageDecoder.Pixels in = gradient(60, 80);
        ImageTransform t = new ImageTransform(32);
        assertArrayEquals(t.train(in, new SplittableRandom(5)), t.train(in, new SplittableRandom(5)));
        assertTrue(!java.util.Arrays.equals(t.train(in, new SplittableRandom(5)), t.train(in, new SplittableRandom(6))));
    }

    @Test
    void evaluationResizesTheShorterSideAndTakesTheCentre() {
        // a 64x128 image whose value is its column; size 32: the shorter side goes to 32/0.875 = 36.57, a
        // scale of 1.75, so the centre crop covers source columns 36..92, sampled at pixel centres
        ImageDecoder.Pixels in = gradient(64, 128);
        byte[] out = new ImageTransform(32).eval(in);
        assertEquals(32 * 32, out.length);
        assertEquals(36 + 0.5 * 1.75 - 0.5, out[0] & 0xFF, 0.51);
        assertEquals(36 + 31.5 * 1.75 - 0.5, out[31] & 0xFF, 0.51);
        assertEquals(out[0], out[31 * 32], "every row of a column gradient is the same");
    }

    private static ImageDecoder.Pixels gradient(int h, int w) {
        byte[] p = new byte[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                p[y * w + x] = (byte) x;
            }
        }
        return new ImageDecoder.Pixels(h, w, 1, p);
    }
}
