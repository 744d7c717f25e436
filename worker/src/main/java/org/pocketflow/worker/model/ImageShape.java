package org.pocketflow.worker.model;

import org.deeplearning4j.nn.conf.inputs.InputType;

/** Shape of one input image, channels first (NCHW without the batch dimension). */
public record ImageShape(int channels, int height, int width) {
    public ImageShape {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("image shape must be positive, got " + this);
        }
    }

    /** The 28x28 grey-scale shape of (Fashion-)MNIST. */
    public static ImageShape mnist() {
        return new ImageShape(1, 28, 28);
    }

    /** DL4J's input type for this shape. */
    public InputType inputType() {
        return InputType.convolutional(height, width, channels);
    }

    /** Number of values in one image. */
    public int size() {
        return channels * height * width;
    }
}
