package org.pocketflow.worker.data.stream;

import java.util.SplittableRandom;

/**
 * Turns decoded pixels into a square network input of {@code size x size}, CHW bytes.
 *
 * <ul>
 *   <li>Training: a random crop of 8% to 100% of the area with aspect ratio 3/4 to 4/3 (log-uniform),
 *       ten tries and then the centre crop at the nearest allowed ratio, resized to the output, and a
 *       horizontal flip with probability 1/2 — torchvision's {@code RandomResizedCrop} and
 *       {@code RandomHorizontalFlip} (Szegedy et al., 2015, "Going deeper with convolutions").</li>
 *   <li>Evaluation: the shorter side resized to {@code size / 0.875} and the centre
 *       {@code size x size} taken, computed as one crop of the source.</li>
 * </ul>
 *
 * <p>Resampling is bilinear with pixel centres aligned ({@code align_corners = false}), in 8-bit
 * fixed point, without an anti-aliasing filter. Randomness comes only from the generator passed in, so a sample's
 * augmentation is a function of its seed. Stateless and thread-safe.
 */
public final class ImageTransform {
    private static final double MIN_SCALE = 0.08;
    private static final double MIN_RATIO = 3.0 / 4;
    private static final double MAX_RATIO = 4.0 / 3;
    /** Evaluation resizes the shorter side to {@code size / CENTRE_FRACTION}. */
    static final double CENTRE_FRACTION = 0.875;

    private final int size;

    /** @param size the output's height and width */
    public ImageTransform(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("image size must be >= 1, but got " + size);
        }
        this.size = size;
    }

    /** A crop of the source in pixels: top row, left column, height and width. */
    record Crop(double top, double left, double height, double width) {
    }

    /** @return the training input: random resized crop, then a flip half the time */
    public byte[] train(ImageDecoder.Pixels in, SplittableRandom rng) {
        Crop crop = randomCrop(in.height(), in.width(), rng);
        return resample(in, crop, rng.nextBoolean());
    }

    /** @return the evaluation input: resize the shorter side, then take the centre */
    public byte[] eval(ImageDecoder.Pixels in) {
        double scale = Math.min(in.height(), in.width()) / (size / CENTRE_FRACTION);
        double side = size * scale;
        return resample(in, new Crop((in.height() - side) / 2, (in.width() - side) / 2, side, side), false);
    }

    static Crop randomCrop(int height, int width, SplittableRandom rng) {
        double area = (double) height * width;
        double logMin = Math.log(MIN_RATIO);
        double logMax = Math.log(MAX_RATIO);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (MIN_SCALE + rng.nextDouble() * (1 - MIN_SCALE));
            double ratio = Math.exp(logMin + rng.nextDouble() * (logMax - logMin));
            int w = (int) Math.round(Math.sqrt(target * ratio));
            int h = (int) Math.round(Math.sqrt(target / ratio));
            if (w > 0 && h > 0 && w <= width && h <= height) {
                int top = rng.nextInt(height - h + 1);
                int left = rng.nextInt(width - w + 1);
                return new Crop(top, left, h, w);
            }
        }
        double ratio = (double) width / height;
        int w;
        int h;
        if (ratio < MIN_RATIO) {
            w = width;
            h = (int) Math.round(w / MIN_RATIO);
        } else if (ratio > MAX_RATIO) {
            h = height;
            w = (int) Math.round(h * MAX_RATIO);
        } else {
            w = width;
            h = height;
        }
        return new Crop((height - h) / 2, (width - w) / 2, h, w);
    }

    /** Bilinear resampling of {@code crop} to {@code size x size}, optionally mirrored; CHW output. */
    byte[] resample(ImageDecoder.Pixels in, Crop crop, boolean flip) {
        int c = in.channels();
        int srcW = in.width();
        int srcH = in.height();
        byte[] src = in.pixels();
        byte[] out = new byte[c * size * size];
        double sy = crop.height() / size;
        double sx = crop.width() / size;
        // fixed point: weights in 1/256ths, so the inner loop is integer arithmetic
        int[] x0 = new int[size];
        int[] x1 = new int[size];
        int[] wx = new int[size];
        for (int x = 0; x < size; x++) {
            double u = crop.left() + (x + 0.5) * sx - 0.5;
            u = Math.max(0, Math.min(srcW - 1, u));
            int left = (int) u;
            x0[x] = left * c;
            x1[x] = Math.min(srcW - 1, left + 1) * c;
            wx[x] = (int) Math.round((u - left) * 256);
        }
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            double v = crop.top() + (y + 0.5) * sy - 0.5;
            v = Math.max(0, Math.min(srcH - 1, v));
            int y0 = (int) v;
            int wy = (int) Math.round((v - y0) * 256);
            int row0 = y0 * srcW * c;
            int row1 = Math.min(srcH - 1, y0 + 1) * srcW * c;
            for (int ch = 0; ch < c; ch++) {
                int base = ch * plane + y * size;
                for (int x = 0; x < size; x++) {
                    int w = wx[x];
                    int top = (src[row0 + x0[x] + ch] & 0xFF) * (256 - w) + (src[row0 + x1[x] + ch] & 0xFF) * w;
                    int bottom = (src[row1 + x0[x] + ch] & 0xFF) * (256 - w) + (src[row1 + x1[x] + ch] & 0xFF) * w;
                    out[base + (flip ? size - 1 - x : x)] = (byte) ((top * (256 - wy) + bottom * wy + 32768) >> 16);
                }
            }
        }
        return out;
    }
}
