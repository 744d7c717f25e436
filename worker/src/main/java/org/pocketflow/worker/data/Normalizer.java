package org.pocketflow.worker.data;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-channel pixel scaling applied while batching: a uint8 value {@code x} of channel
 * {@code c} becomes {@code (x / 255 - mean[c]) / std[c]}. Grey images have one channel, RGB
 * three; a normalizer with one channel applies to every channel of any image.
 *
 * <p>Immutable. The values live on the {@code x / 255} scale; {@link #rawMean()} and
 * {@link #rawStd()} give the same scaling on the raw 0..255 scale, {@code (x - rawMean) / rawStd},
 * which is what an exported model's input stage needs. {@link #source()} says where the values
 * came from (fitted on the training split, a fixed mode, or the user's DL4J normalizer) for
 * reports and provenance.
 */
public final class Normalizer implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Only scales to [0, 1]: {@code x / 255}. */
    public static final Normalizer UNIT = new Normalizer(new double[] {0.0}, new double[] {1.0}, "unit");
    /** No scaling at all: the raw values 0..255 as floats. */
    public static final Normalizer NONE = new Normalizer(new double[] {0.0}, new double[] {1 / 255.0}, "none");
    /** ImageNet's per-channel RGB statistics on the {@code x / 255} scale (torchvision's values). */
    public static final Normalizer IMAGENET = new Normalizer(new double[] {0.485, 0.456, 0.406},
            new double[] {0.229, 0.224, 0.225}, "imagenet");

    private final double[] mean;
    private final double[] std;
    private final String source;

    private Normalizer(double[] mean, double[] std, String source) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("Normalizer needs one mean and one std per channel, but got "
                    + mean.length + " means and " + std.length + " stds");
        }
        for (int c = 0; c < mean.length; c++) {
            if (!Double.isFinite(mean[c])) {
                throw new IllegalArgumentException("Normalizer mean must be finite, but got " + mean[c]
                        + " for channel " + c);
            }
            if (!(std[c] > 0.0) || !Double.isFinite(std[c])) {
                throw new IllegalArgumentException("Normalizer std must be finite and > 0, but got " + std[c]
                        + " for channel " + c);
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
        this.source = source;
    }

    /**
     * One mean and std for every channel, on the {@code x / 255} scale.
     *
     * @param mean mean of {@code x / 255}
     * @param std  standard deviation of {@code x / 255}; strictly positive
     */
    public Normalizer(double mean, double std) {
        this(new double[] {mean}, new double[] {std}, "mean-std");
    }

    /**
     * Per-channel values on the {@code x / 255} scale.
     *
     * @param mean   one mean per channel
     * @param std    one standard deviation per channel, each strictly positive
     * @param source where the values come from, e.g. {@code mean-std} or {@code dl4j:NormalizerStandardize}
     * @return the normalizer
     */
    public static Normalizer perChannel(double[] mean, double[] std, String source) {
        return new Normalizer(mean, std, source);
    }

    /**
     * Computes each channel's mean and population standard deviation of {@code x / 255} over
     * every pixel of {@code set}, from 256-bin histograms (one pass, exact).
     *
     * @param set the training split; must not be empty nor of one constant value in a channel
     * @return the fitted normalizer, one entry per channel of the set's images
     */
    public static Normalizer fit(ImageSet set) {
        byte[] pixels = set.rawPixels();
        if (pixels.length == 0) {
            throw new IllegalArgumentException("cannot fit a Normalizer on an empty ImageSet; "
                    + "fit it on a training split with at least one image");
        }
        int channels = set.shape().channels();
        int plane = set.shape().height() * set.shape().width();
        long[][] histogram = new long[channels][256];
        for (int i = 0; i < pixels.length; i++) {
            histogram[(i / plane) % channels][pixels[i] & 0xFF]++;
        }
        double[] mean = new double[channels];
        double[] std = new double[channels];
        for (int c = 0; c < channels; c++) {
            double[] moments = moments(histogram[c]);
            if (!(moments[1] > 0.0)) {
                throw new IllegalArgumentException("cannot fit a Normalizer: every pixel of channel " + c + " in the "
                        + set.size() + " images has the same value " + Math.round(moments[0] * 255)
                        + "; use Normalizer.UNIT instead (pocketflow.data.normalization = unit)");
            }
            mean[c] = moments[0];
            std[c] = moments[1];
        }
        return new Normalizer(mean, std, "fit");
    }

    /** Mean and population standard deviation of {@code x / 255} from a 256-bin histogram. */
    static double[] moments(long[] histogram) {
        double n = 0;
        double sum = 0.0;
        for (int v = 0; v < 256; v++) {
            n += histogram[v];
            sum += histogram[v] * (v / 255.0);
        }
        double mean = sum / n;
        double squares = 0.0;
        for (int v = 0; v < 256; v++) {
            double d = v / 255.0 - mean;
            squares += histogram[v] * d * d;
        }
        return new double[] {mean, Math.sqrt(squares / n)};
    }

    /** @return how many channels carry their own values; 1 means the same for every channel */
    public int channels() {
        return mean.length;
    }

    /** @return whether this normalizer can scale images with {@code imageChannels} channels */
    public boolean fits(int imageChannels) {
        return mean.length == 1 || mean.length == imageChannels;
    }

    /** @return the per-channel means on the {@code x / 255} scale (a copy) */
    public double[] mean() {
        return mean.clone();
    }

    /** @return the per-channel standard deviations on the {@code x / 255} scale (a copy) */
    public double[] std() {
        return std.clone();
    }

    /** @return the per-channel means on the raw 0..255 scale: the input is {@code (x - rawMean) / rawStd} */
    public double[] rawMean() {
        return Arrays.stream(mean).map(m -> m * 255).toArray();
    }

    /** @return the per-channel standard deviations on the raw 0..255 scale */
    public double[] rawStd() {
        return Arrays.stream(std).map(s -> s * 255).toArray();
    }

    /** @return where the values come from: {@code fit}, {@code unit}, {@code none}, {@code mean-std}, {@code dl4j:...} */
    public String source() {
        return source;
    }

    /**
     * @param pixel   a uint8 value, 0 to 255
     * @param channel the pixel's channel
     * @return {@code (pixel / 255 - mean[channel]) / std[channel]} as a float
     */
    public float apply(int pixel, int channel) {
        if (pixel < 0 || pixel > 255) {
            throw new IllegalArgumentException("pixel must be in [0, 255], but got " + pixel);
        }
        return scale(pixel, channel % mean.length);
    }

    /** @return {@link #apply(int, int)} for channel 0 (grey images, or a one-channel normalizer) */
    public float apply(int pixel) {
        return apply(pixel, 0);
    }

    /** @return the table of channel 0: {@code table[x] == apply(x)} */
    public float[] lookupTable() {
        return lookupTables(1)[0];
    }

    /**
     * @param imageChannels channels of the images to be scaled
     * @return fresh 256-entry tables, one per image channel, with {@code tables[c][x] == apply(x, c)};
     *     batching indexes them with the unsigned pixel byte instead of computing per pixel
     */
    public float[][] lookupTables(int imageChannels) {
        if (!fits(imageChannels)) {
            throw new IllegalArgumentException("this normalizer (" + source + ") has " + mean.length
                    + " channels but the images have " + imageChannels
                    + "; give pocketflow.data.mean and pocketflow.data.std one value per image channel");
        }
        float[][] tables = new float[imageChannels][256];
        for (int c = 0; c < imageChannels; c++) {
            for (int v = 0; v < 256; v++) {
                tables[c][v] = scale(v, c % mean.length);
            }
        }
        return tables;
    }

    /**
     * @return the scaling as report and provenance record it: source, per-channel mean and std on
     *     the {@code x / 255} scale, and the same on the raw 0..255 scale
     */
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("source", source);
        d.put("scale", "x/255");
        d.put("mean", list(mean));
        d.put("std", list(std));
        d.put("rawMean", list(rawMean()));
        d.put("rawStd", list(rawStd()));
        return d;
    }

    private static List<Double> list(double[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    private float scale(int pixel, int channel) {
        return (float) ((pixel / 255.0 - mean[channel]) / std[channel]);
    }

    /** Equal when source and every mean and std are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Normalizer n && source.equals(n.source) && Arrays.equals(mean, n.mean)
                && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * source.hashCode() + Arrays.hashCode(mean)) + Arrays.hashCode(std);
    }

    /** @return e.g. {@code fit mean=[0.286] std=[0.353] (of x/255)} */
    @Override
    public String toString() {
        return source + " mean=" + Arrays.toString(mean) + " std=" + Arrays.toString(std) + " (of x/255)";
    }
}
