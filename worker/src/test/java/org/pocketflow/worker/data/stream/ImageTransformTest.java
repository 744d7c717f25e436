package org.pocketflow.worker.data.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The augmentation's distribution and determinism, the evaluation crop, and the windowed path
 * (crop drawn from the header, only its window decoded) against the whole decode.
 */
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

    /**
     * Against bilinear interpolation in double precision: the weights are rounded to 1/256, which
     * moves a value by at most half a level per axis on noise, and the result is rounded, so the
     * bound is 1.5 levels.
     */
    @Test
    void resamplingIsBilinearWithinOneAndAHalfLevelsAndFlipsMirror() {
        SplittableRandom noise = new SplittableRandom(9);
        byte[] p = new byte[53 * 71 * 3];
        for (int k = 0; k < p.length; k++) {
            p[k] = (byte) noise.nextInt(256);
        }
        ImageDecoder.Pixels in = new ImageDecoder.Pixels(53, 71, 3, p);
        ImageDecoder.Window whole = ImageDecoder.Window.whole(53, 71);
        ImageTransform t = new ImageTransform(40);
        for (int seed = 0; seed < 30; seed++) {
            ImageTransform.Crop crop = ImageTransform.randomCrop(53, 71, new SplittableRandom(seed));
            byte[] out = t.resample(in, whole, crop, false);
            byte[] mirrored = t.resample(in, whole, crop, true);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 40; y++) {
                    double v = clamp(crop.top() + (y + 0.5) * crop.height() / 40 - 0.5, 53);
                    for (int x = 0; x < 40; x++) {
                        double u = clamp(crop.left() + (x + 0.5) * crop.width() / 40 - 0.5, 71);
                        int x0 = (int) u;
                        int y0 = (int) v;
                        int x1 = Math.min(70, x0 + 1);
                        int y1 = Math.min(52, y0 + 1);
                        double a = u - x0;
                        double b = v - y0;
                        double expected = (1 - b) * ((1 - a) * at(in, y0, x0, c) + a * at(in, y0, x1, c))
                                + b * ((1 - a) * at(in, y1, x0, c) + a * at(in, y1, x1, c));
                        int k = c * 1600 + y * 40 + x;
                        assertEquals(expected, out[k] & 0xFF, 1.5, "seed " + seed + " at " + c + "," + y + "," + x);
                        assertEquals(out[k], mirrored[c * 1600 + y * 40 + 39 - x]);
                    }
                }
            }
        }
    }

    private static double clamp(double u, int n) {
        return Math.max(0, Math.min(n - 1, u));
    }

    private static int at(ImageDecoder.Pixels in, int y, int x, int c) {
        return in.pixels()[(y * in.width() + x) * in.channels() + c] & 0xFF;
    }

    @ParameterizedTest(name = "{0}, grey={1}, channels={2}, {3}x{4} to {5}")
    @CsvSource({"jpeg,false,3,375,500,224", "jpeg,true,3,333,500,224", "jpeg,false,1,101,77,32",
            "png,false,3,61,47,32", "png,true,1,61,47,32", "jpeg,false,3,20,30,32", "png,true,3,13,11,32"})
    void decodingOnlyTheCropsWindowGivesTheWholeDecodesInputByteForByte(String format, boolean grey, int channels,
                                                                         int height, int width, int size) {
        byte[] bytes = ImageDecoderTest.encoded(format, grey, height, width, height * 31L + width);
        ImageDecoder decoder = new ImageDecoder(channels);
        ImageTransform t = new ImageTransform(size);
        ImageDecoder.Pixels whole = decoder.decode(bytes, "x");
        int smaller = 0;
        for (int seed = 0; seed < 40; seed++) {
            try (ImageDecoder.Opened image = decoder.open(bytes, "x")) {
                assertArrayEquals(t.train(whole, new SplittableRandom(seed)), t.train(image, new SplittableRandom(seed)),
                        "seed " + seed);
            }
            ImageDecoder.Window w = t.window(ImageTransform.randomCrop(height, width, new SplittableRandom(seed)),
                    height, width);
            smaller += w.height() * w.width() < height * width ? 1 : 0;
        }
        try (ImageDecoder.Opened image = decoder.open(bytes, "x")) {
            assertArrayEquals(t.eval(whole), t.eval(image));
        }
        assertTrue(smaller > 20, "most random crops decode less than the whole image: " + smaller + " of 40");
    }

    @Test
    void theWindowedPathIsAFunctionOfTheSeed() {
        byte[] jpeg = ImageDecoderTest.encoded("jpeg", false, 120, 90, 7);
        ImageDecoder decoder = new ImageDecoder(3);
        ImageTransform t = new ImageTransform(48, true);
        byte[][] outputs = new byte[3][];
        long[] seeds = {11, 11, 12};
        for (int i = 0; i < 3; i++) {
            try (ImageDecoder.Opened image = decoder.open(jpeg, "x")) {
                outputs[i] = t.train(image, new SplittableRandom(seeds[i]));
            }
        }
        assertArrayEquals(outputs[0], outputs[1]);
        assertTrue(!Arrays.equals(outputs[0], outputs[2]));
    }

    /**
     * Subsampled decoding (a crop of at least twice the output's side decoded at every
     * {@code floor(side / size)}-th pixel) against the whole decode, on crops of a 900x1200 PNG that
     * all take a step of 2 or more: on a smooth image the mean absolute difference stays under
     * 0.5 of 255 levels and the largest under 6 (measured: 0.25 and 3); on the generated stripes
     * with uniform noise of +-20 levels (the worst case: every pixel differs from its neighbours,
     * and the stripes' edges jump by up to 200 levels), the mean under 12 (measured: 7.9; the
     * largest, 121, is at an edge that the two grids place a pixel apart, and is not bounded).
     */
    @Test
    void subsampledDecodingStaysWithinTheStatedErrorOfTheWholeDecode() {
        assertSubsampledError(smooth(900, 1200), 0.5, 6);
        assertSubsampledError(SyntheticImageFolder.image(1, 3, 1200, 900, false, new SplittableRandom(3)), 12, 256);
    }

    private static void assertSubsampledError(BufferedImage source, double meanBound, int maxBound) {
        byte[] png = png(source);
        ImageDecoder decoder = new ImageDecoder(3);
        ImageDecoder.Pixels whole = decoder.decode(png, "x");
        ImageTransform reference = new ImageTransform(224);
        ImageTransform subsampling = new ImageTransform(224, true);
        long sum = 0;
        long count = 0;
        int max = 0;
        int subsampled = 0;
        for (int seed = 0; subsampled < 12; seed++) {
            ImageTransform.Crop crop = ImageTransform.randomCrop(900, 1200, new SplittableRandom(seed));
            if (subsampling.step(crop) < 2) {
                continue;
            }
            subsampled++;
            byte[] expected = reference.train(whole, new SplittableRandom(seed));
            byte[] actual;
            try (ImageDecoder.Opened image = decoder.open(png, "x")) {
                actual = subsampling.train(image, new SplittableRandom(seed));
            }
            for (int k = 0; k < expected.length; k++) {
                int d = Math.abs((expected[k] & 0xFF) - (actual[k] & 0xFF));
                sum += d;
                max = Math.max(max, d);
                count++;
            }
        }
        double mean = (double) sum / count;
        System.out.printf("subsampled vs whole decode: mean |difference| %.3f, largest %d (of 255)%n", mean, max);
        assertTrue(mean < meanBound, "mean |difference| " + mean);
        assertTrue(max < maxBound, "largest |difference| " + max);
    }

    /** Smooth colour fields, periods of 60 to 200 pixels. */
    private static BufferedImage smooth(int height, int width) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = (int) (128 + 100 * Math.sin(x / 20.0) * Math.cos(y / 30.0));
                int g = (int) (128 + 100 * Math.sin((x + y) / 25.0));
                int b = (int) (128 + 100 * Math.cos(x / 10.0 + y / 32.0));
                image.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return image;
    }

    private static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            assertTrue(ImageIO.write(image, "png", out));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
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
