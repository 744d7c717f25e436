package org.pocketflow.worker.data;

/**
 * Pixel scaling applied while batching: a uint8 value {@code x} becomes
 * {@code (x / 255 - mean) / std}. Fit it on the training split only, and use the same
 * instance for validation and test data.
 *
 * @param mean mean of {@code x / 255} over the data it was fitted on
 * @param std  population standard deviation of {@code x / 255}; strictly positive
 */
public record Normalizer(double mean, double std) {

    /** Only scales to [0, 1]: {@code x / 255}. */
    public static final Normalizer UNIT = new Normalizer(0.0, 1.0);

    /** Rejects non-finite values and a standard deviation that is not positive. */
    public Normalizer {
        if (!Double.isFinite(mean)) {
            throw new IllegalArgumentException("Normalizer mean must be finite, but got " + mean);
        }
        if (!(std > 0.0) || !Double.isFinite(std)) {
            throw new IllegalArgumentException("Normalizer std must be finite and > 0, but got " + std);
        }
    }

    /**
     * Computes mean and standard deviation of {@code x / 255} over every pixel of
     * {@code set}, from a 256-bin histogram (one pass, exact).
     *
     * @param set the training split; must not be empty nor of one constant pixel value
     * @return the fitted normalizer
     */
    public static Normalizer fit(ImageSet set) {
        byte[] pixels = set.rawPixels();
        if (pixels.length == 0) {
            throw new IllegalArgumentException("cannot fit a Normalizer on an empty ImageSet; "
                    + "fit it on a training split with at least one image");
        }
        long[] histogram = new long[256];
        for (byte p : pixels) {
            histogram[p & 0xFF]++;
        }
        double n = pixels.length;
        double sum = 0.0;
        for (int v = 0; v < 256; v++) {
            sum += histogram[v] * (v / 255.0);
        }
        double mean = sum / n;
        double squares = 0.0;
        for (int v = 0; v < 256; v++) {
            double d = v / 255.0 - mean;
            squares += histogram[v] * d * d;
        }
        double std = Math.sqrt(squares / n);
        if (!(std > 0.0)) {
            throw new IllegalArgumentException("cannot fit a Normalizer: every pixel of the "
                    + set.size() + " images has the same value " + Math.round(mean * 255)
                    + "; use Normalizer.UNIT instead");
        }
        return new Normalizer(mean, std);
    }

    /**
     * @param pixel a uint8 value, 0 to 255
     * @return {@code (pixel / 255 - mean) / std} as a float
     */
    public float apply(int pixel) {
        if (pixel < 0 || pixel > 255) {
            throw new IllegalArgumentException("pixel must be in [0, 255], but got " + pixel);
        }
        return scale(pixel);
    }

    /**
     * @return a fresh 256-entry table with {@code table[x] == apply(x)}; batching indexes it
     *     with the unsigned pixel byte instead of computing per pixel
     */
    public float[] lookupTable() {
        float[] table = new float[256];
        for (int v = 0; v < 256; v++) {
            table[v] = scale(v);
        }
        return table;
    }

    private float scale(int pixel) {
        return (float) ((pixel / 255.0 - mean) / std);
    }
}
