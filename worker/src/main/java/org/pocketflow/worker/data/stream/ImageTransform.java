package org.pocketflow.worker.data.stream;

import java.util.SplittableRandom;

/**
 * Turns an image into a square network input of {@code size x size}, CHW bytes.
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
 *
 * <p>From an {@link ImageDecoder.Opened} image the crop is drawn from the header's size, before
 * any pixel is decoded, and only the {@link ImageDecoder.Window} holding the crop's bilinear taps is
 * decoded: the result is byte for byte the one of the whole decoded image. With
 * {@code subsample}, a crop at least twice the output's side is decoded at every
 * {@code floor(side / size)}-th pixel ({@link #step}) and interpolated on that grid, which keeps
 * more than {@code size} pixels a side; the output then differs from the whole decode's as one
 * bilinear sampling of the image differs from another (bounded in {@code ImageTransformTest}).
 */
public final class ImageTransform {
    private static final double MIN_SCALE = 0.08;
    private static final double MIN_RATIO = 3.0 / 4;
    private static final double MAX_RATIO = 4.0 / 3;
    /** Evaluation resizes the shorter side to {@code size / CENTRE_FRACTION}. */
    static final double CENTRE_FRACTION = 0.875;

    private final int size;
    private final boolean subsample;

    /** @param size the output's height and width; windows are decoded without subsampling */
    public ImageTransform(int size) {
        this(size, false);
    }

    /**
     * @param size      the output's height and width
     * @param subsample decode crops at least twice the output's side at a coarser step
     */
    public ImageTransform(int size, boolean subsample) {
        if (size < 1) {
            throw new IllegalArgumentException("image size must be >= 1, but got " + size);
        }
        this.size = size;
        this.subsample = subsample;
    }

    /** A crop of the source in pixels: top row, left column, height and width. */
    record Crop(double top, double left, double height, double width) {
    }

    /** @return the training input of an image decoded whole: random resized crop, then a flip half the time */
    public byte[] train(ImageDecoder.Pixels in, SplittableRandom rng) {
        Crop crop = randomCrop(in.height(), in.width(), rng);
        return resample(in, ImageDecoder.Window.whole(in.height(), in.width()), crop, rng.nextBoolean());
    }

    /** @return the evaluation input of an image decoded whole: resize the shorter side, then take the centre */
    public byte[] eval(ImageDecoder.Pixels in) {
        return resample(in, ImageDecoder.Window.whole(in.height(), in.width()), centreCrop(in.height(), in.width()),
                false);
    }

    /**
     * @return the training input, drawing the same crop and flip from {@code rng} as
     *     {@link #train(ImageDecoder.Pixels, SplittableRandom)} and decoding only the crop's window
     */
    public byte[] train(ImageDecoder.Opened image, SplittableRandom rng) {
        Crop crop = randomCrop(image.height(), image.width(), rng);
        boolean flip = rng.nextBoolean();
        ImageDecoder.Window window = window(crop, image.height(), image.width());
        return resample(image.read(window), window, crop, flip);
    }

    /** @return the evaluation input, decoding only the centre crop's window */
    public byte[] eval(ImageDecoder.Opened image) {
        Crop crop = centreCrop(image.height(), image.width());
        ImageDecoder.Window window = window(crop, image.height(), image.width());
        return resample(image.read(window), window, crop, false);
    }

    private Crop centreCrop(int height, int width) {
        double side = size * (Math.min(height, width) / (size / CENTRE_FRACTION));
        return new Crop((height - side) / 2, (width - side) / 2, side, side);
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

    /** @return the step between decoded pixels for a crop: 1, or with subsampling its shorter side over the output's */
    int step(Crop crop) {
        return subsample ? Math.max(1, (int) (Math.min(crop.height(), crop.width()) / size)) : 1;
    }

    /** @return the smallest window of an {@code height x width} image that holds every bilinear tap of the crop */
    ImageDecoder.Window window(Crop crop, int height, int width) {
        int step = step(crop);
        int[] rows = span(crop.top(), crop.height(), height, step);
        int[] columns = span(crop.left(), crop.width(), width, step);
        return new ImageDecoder.Window(rows[0], columns[0], rows[1], columns[1], step);
    }

    /** First source pixel and extent along one axis of {@code n} pixels, for a crop from {@code start} of {@code extent}. */
    private int[] span(double start, double extent, int n, int step) {
        double scale = extent / size;
        int first = (int) sourceCoordinate(start, scale, 0, n);
        int last = (int) sourceCoordinate(start, scale, size - 1, n);
        int lastCell = (last - first) / step;
        return new int[] {first, Math.min(n - first, (lastCell + 1) * step + 1)};
    }

    /** Where the centre of output pixel {@code i} falls in the source, clamped to its pixels. */
    private static double sourceCoordinate(double start, double scale, int i, int n) {
        double u = start + (i + 0.5) * scale - 0.5;
        return Math.max(0, Math.min(n - 1, u));
    }

    /**
     * Bilinear taps along one axis: for output pixel {@code i}, the decoded indices {@code lo[i]},
     * {@code hi[i]} and the weight of {@code hi} in 1/256ths. Whole pixels and the fraction are
     * kept apart so that with step 1 the weights are exactly those of the whole image. Coordinates
     * are clamped to the window's {@code end} instead of the image's: no tap lies beyond it, so
     * the two clamps agree.
     */
    private void taps(double start, double extent, int end, int first, int step, int decoded, int[] lo, int[] hi,
                      int[] weight) {
        double scale = extent / size;
        for (int i = 0; i < size; i++) {
            double u = sourceCoordinate(start, scale, i, end);
            int whole = (int) u;
            double fraction = u - whole;
            int offset = whole - first;
            int cell = offset / step;
            double w = (offset % step + fraction) / step;
            if (cell >= decoded - 1) {
                cell = decoded - 1;
                w = 0;
            }
            lo[i] = cell;
            hi[i] = Math.min(decoded - 1, cell + 1);
            weight[i] = (int) Math.round(w * 256);
        }
    }

    /**
     * Bilinear resampling of {@code crop} (source coordinates) to {@code size x size}, optionally
     * mirrored, from the decoded pixels of {@code window}; CHW output.
     */
    byte[] resample(ImageDecoder.Pixels in, ImageDecoder.Window window, Crop crop, boolean flip) {
        int c = in.channels();
        int srcW = in.width();
        byte[] src = in.pixels();
        int[] y0 = new int[size];
        int[] y1 = new int[size];
        int[] wy = new int[size];
        taps(crop.top(), crop.height(), window.top() + window.height(), window.top(), window.step(), in.height(),
                y0, y1, wy);
        int[] x0 = new int[size];
        int[] x1 = new int[size];
        int[] wx = new int[size];
        taps(crop.left(), crop.width(), window.left() + window.width(), window.left(), window.step(), srcW, x0, x1, wx);
        if (flip) {
            reverse(x0);
            reverse(x1);
            reverse(wx);
        }
        for (int x = 0; x < size; x++) {
            x0[x] *= c;
            x1[x] *= c;
        }
        // separable: each source row is interpolated across once, into planar ints, and kept while
        // the next output row still needs it; the vertical pass then runs over contiguous arrays
        int[] upper = new int[c * size];
        int[] lower = new int[c * size];
        int upperRow = -1;
        int lowerRow = -1;
        byte[] out = new byte[c * size * size];
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            if (upperRow != y0[y]) {
                if (lowerRow == y0[y]) {
                    int[] t = upper;
                    upper = lower;
                    lower = t;
                    lowerRow = upperRow;
                } else {
                    across(src, y0[y] * srcW * c, c, x0, x1, wx, upper);
                }
                upperRow = y0[y];
            }
            int[] bottom = upper;
            if (y1[y] != upperRow) {
                if (lowerRow != y1[y]) {
                    across(src, y1[y] * srcW * c, c, x0, x1, wx, lower);
                    lowerRow = y1[y];
                }
                bottom = lower;
            }
            int v = wy[y];
            int iv = 256 - v;
            for (int ch = 0; ch < c; ch++) {
                int from = ch * size;
                int to = ch * plane + y * size;
                for (int x = 0; x < size; x++) {
                    out[to + x] = (byte) ((upper[from + x] * iv + bottom[from + x] * v + 32768) >> 16);
                }
            }
        }
        return out;
    }

    /**
     * One source row (from byte {@code row}) interpolated across to the output's columns, in
     * fixed point with weights in 1/256ths: {@code into[ch * size + x]}, 0 to 255 * 256.
     */
    private void across(byte[] src, int row, int c, int[] x0, int[] x1, int[] wx, int[] into) {
        if (c == 1) {
            for (int x = 0; x < size; x++) {
                int w = wx[x];
                into[x] = (src[row + x0[x]] & 0xFF) * (256 - w) + (src[row + x1[x]] & 0xFF) * w;
            }
            return;
        }
        for (int x = 0; x < size; x++) {
            int a = row + x0[x];
            int b = row + x1[x];
            int w = wx[x];
            int iw = 256 - w;
            into[x] = (src[a] & 0xFF) * iw + (src[b] & 0xFF) * w;
            into[size + x] = (src[a + 1] & 0xFF) * iw + (src[b + 1] & 0xFF) * w;
            into[2 * size + x] = (src[a + 2] & 0xFF) * iw + (src[b + 2] & 0xFF) * w;
        }
    }

    private static void reverse(int[] a) {
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
