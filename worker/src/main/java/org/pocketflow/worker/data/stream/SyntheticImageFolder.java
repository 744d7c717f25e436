package org.pocketflow.worker.data.stream;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

/**
 * Writes a generated image folder in the ImageNet layout, for benchmarks and tests (nothing
 * here downloads data). Class {@code c} of {@code k} is a learnable pattern: stripes at angle
 * {@code c * 90 / (k - 1)} degrees in a colour of the class, with noise, on images of varied size
 * (angles within [0, 90] so that a horizontal flip never turns one class into another).
 * Every third image of a class is grey, the rest RGB; JPEG or PNG by choice.
 */
public final class SyntheticImageFolder {
    private SyntheticImageFolder() {
    }

    /**
     * @param root      folder to create {@code train/} and {@code val/} in
     * @param classes   number of classes, named {@code class-00} ...
     * @param train     images per class in {@code train/}
     * @param val       images per class in {@code val/}
     * @param minSide   smallest image side
     * @param maxSide   largest image side
     * @param format    {@code jpg}, {@code png}, or {@code mixed} (alternating)
     * @param seed      the generator's seed
     * @return bytes written
     */
    public static long write(Path root, int classes, int train, int val, int minSide, int maxSide, String format,
                             long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        long bytes = 0;
        for (String split : new String[] {"train", "val"}) {
            int n = split.equals("train") ? train : val;
            for (int c = 0; c < classes; c++) {
                Path dir = root.resolve(split).resolve(String.format("class-%02d", c));
                try {
                    Files.createDirectories(dir);
                    for (int i = 0; i < n; i++) {
                        boolean grey = i % 3 == 2;
                        String ext = format.equals("mixed") ? (i % 2 == 0 ? "jpg" : "png") : format;
                        int w = minSide + rng.nextInt(maxSide - minSide + 1);
                        int h = minSide + rng.nextInt(maxSide - minSide + 1);
                        BufferedImage img = image(c, classes, w, h, grey, rng);
                        Path file = dir.resolve(String.format("img-%05d.%s", i, ext.equals("jpg") ? "JPEG" : ext));
                        ImageIO.write(img, ext.equals("jpg") ? "jpeg" : "png", file.toFile());
                        bytes += Files.size(file);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write generated images to " + dir, e);
                }
            }
        }
        return bytes;
    }

    /** One image of class {@code c}: oriented stripes in the class colour, with noise. */
    static BufferedImage image(int c, int classes, int w, int h, boolean grey, SplittableRandom rng) {
        BufferedImage img = new BufferedImage(w, h, grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        double angle = classes == 1 ? 0 : Math.PI / 2 * c / (classes - 1);
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double period = Math.max(6, Math.min(w, h) / 6.0);
        double phase = rng.nextDouble() * period;
        int[] colour = {(c * 97) % 256, (c * 57 + 100) % 256, (c * 151 + 50) % 256};
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double t = (x * cos + y * sin + phase) / period;
                boolean on = (t - Math.floor(t)) < 0.5;
                int noise = rng.nextInt(41) - 20;
                int r = clamp((on ? colour[0] : 255 - colour[0]) + noise);
                int g = clamp((on ? colour[1] : 255 - colour[1]) + noise);
                int b = clamp((on ? colour[2] : 255 - colour[2]) + noise);
                if (grey) {
                    int v = clamp((on ? 220 : 35) + noise);
                    img.getRaster().setSample(x, y, 0, v);
                } else {
                    img.setRGB(x, y, r << 16 | g << 8 | b);
                }
            }
        }
        return img;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
