package org.pocketflow.worker.data;

/**
 * The shape of one image, in the NCHW order the networks use: channels, height, width.
 *
 * @param channels colour channels (1 for grey scale), at least 1
 * @param height   rows, at least 1
 * @param width    columns, at least 1
 */
public record ImageShape(int channels, int height, int width) {

    /** Validates that every dimension is positive and that one image fits in an array. */
    public ImageShape {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("image shape must be positive in every dimension, but got "
                    + channels + "x" + height + "x" + width + " (channels x height x width)");
        }
        if ((long) channels * height * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("image shape " + channels + "x" + height + "x" + width
                    + " has more than " + Integer.MAX_VALUE + " pixels");
        }
    }

    /** @return values per image: channels * height * width */
    public int pixels() {
        return channels * height * width;
    }

    /** @return {@code CxHxW}, e.g. {@code 1x28x28} */
    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }
}
