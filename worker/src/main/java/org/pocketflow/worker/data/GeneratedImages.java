package org.pocketflow.worker.data;

import java.util.SplittableRandom;

/**
 * Generated colour images that a network can learn: noise, plus a bright square whose colour
 * channel and quadrant depend on the class. For tests and benchmarks of networks at sizes no
 * installed data set has (ImageNet's 224x224x3); never used for figures of accuracy.
 */
public final class GeneratedImages {
    private GeneratedImages() {
    }

    /** {@code count} images of {@code shape}, labels cycling through {@code classes}. */
    public static ImageSet of(ImageShape shape, int classes, int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int h = shape.height();
        int w = shape.width();
        byte[] pixels = new byte[count * shape.pixels()];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            int label = i % classes;
            labels[i] = (byte) label;
            int channel = label % shape.channels();
            int quadrant = (label / shape.channels()) % 4;
            int top = (quadrant / 2) * h / 2;
            int left = (quadrant % 2) * w / 2;
            for (int c = 0; c < shape.channels(); c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        boolean square = c == channel && y >= top && y < top + h / 2 && x >= left && x < left + w / 2;
                        int v = rnd.nextInt(96) + (square ? 128 : 0);
                        pixels[((i * shape.channels() + c) * h + y) * w + x] = (byte) v;
                    }
                }
            }
        }
        return ImageSet.of(shape, classes, pixels, labels);
    }
}
