package org.pocketflow.worker.data.stream;

import java.awt.Rectangle;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

import org.pocketflow.worker.data.DatasetException;

/**
 * Decodes a JPEG or PNG file with {@code javax.imageio} into interleaved 8-bit pixels of a fixed
 * channel count: grey images are replicated to RGB, colour images reduced to grey with the
 * ITU-R 601 luma weights (as PIL's {@code convert("L")}), alpha dropped. A file the decoder
 * cannot read, or reads only with warnings (a truncated JPEG decodes with a warning, not an
 * error), is reported as corrupt with its name.
 *
 * <p>{@link #open} reads only the header, so a caller can choose from the image's size the
 * {@link Window} to decode: a rectangle, and a step between the pixels kept (ImageIO's source
 * region and subsampling). A JPEG is decoded no further down than the window's last row, and its
 * pixels go straight from the codec into an RGB-ordered array. The rows below the window are
 * then never decoded, so a truncation there would go unseen: a JPEG is cut short only where it
 * does not end with its end-of-image marker (after any zero padding), and such a file is decoded
 * to its last row whatever the window, where a truncated file raises the codec's warning as in a
 * whole decode. Stateless and thread-safe; an {@link Opened} image belongs to one thread.
 */
public final class ImageDecoder {
    static {
        ImageIO.setUseCache(false); // decode from memory, never through temporary files
    }

    private static final ColorModel RGB = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false,
            false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);

    /**
     * Decoded pixels, row after row, {@code channels} bytes per pixel.
     *
     * @param height   rows
     * @param width    columns
     * @param channels 1 (grey) or 3 (RGB)
     * @param pixels   {@code height * width * channels} bytes, HWC order
     */
    public record Pixels(int height, int width, int channels, byte[] pixels) {
    }

    /**
     * The part of an image to decode: the source rectangle from ({@code top}, {@code left}) of
     * {@code height x width} pixels, of which every {@code step}-th row and column is kept, from
     * the first. Decoded, it is {@link #decodedHeight()} x {@link #decodedWidth()} pixels; decoded
     * pixel (i, j) is source pixel ({@code top + i * step}, {@code left + j * step}).
     */
    public record Window(int top, int left, int height, int width, int step) {
        /** Checks the values. */
        public Window {
            if (top < 0 || left < 0 || height < 1 || width < 1 || step < 1) {
                throw new IllegalArgumentException("bad window " + this);
            }
        }

        /** @return the whole image, every pixel */
        public static Window whole(int height, int width) {
            return new Window(0, 0, height, width, 1);
        }

        /** @return rows decoded */
        public int decodedHeight() {
            return (height + step - 1) / step;
        }

        /** @return columns decoded */
        public int decodedWidth() {
            return (width + step - 1) / step;
        }
    }

    /**
     * One JPEG reader per thread: looking a reader up and creating it costs as much as a small
     * decode. The JDK's own reader is preferred: it converts colours in native code, while other
     * plug-ins on the classpath (TwelveMonkeys, which DL4J brings) convert them in Java.
     */
    private static final ThreadLocal<ImageReader> JPEG = ThreadLocal.withInitial(ImageDecoder::jdkJpegReader);

    private static ImageReader jdkJpegReader() {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
        ImageReader first = null;
        while (readers.hasNext()) {
            ImageReader r = readers.next();
            if (r.getClass().getName().equals("com.sun.imageio.plugins.jpeg.JPEGImageReader")) {
                return r;
            }
            first = first == null ? r : first;
        }
        return first;
    }

    private final int channels;

    /** @param channels 1 to decode to grey, 3 to decode to RGB */
    public ImageDecoder(int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grey) or 3 (RGB), but got " + channels);
        }
        this.channels = channels;
    }

    /**
     * Decodes the whole image.
     *
     * @param encoded the file's bytes
     * @param origin  the file (and record) for error messages
     * @return the pixels
     * @throws DatasetException when the bytes are no readable JPEG or PNG
     */
    public Pixels decode(byte[] encoded, String origin) {
        try (Opened image = open(encoded, origin)) {
            return image.read(Window.whole(image.height(), image.width()));
        }
    }

    /**
     * Reads the image's header, not its pixels.
     *
     * @param encoded the file's bytes
     * @param origin  the file (and record) for error messages
     * @return the image, to be read once and closed by the calling thread
     * @throws DatasetException when the bytes are no readable JPEG or PNG
     */
    public Opened open(byte[] encoded, String origin) {
        boolean jpeg = encoded.length > 2 && (encoded[0] & 0xFF) == 0xFF && (encoded[1] & 0xFF) == 0xD8;
        ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded));
        ImageReader reader = null;
        try {
            if (jpeg) {
                reader = JPEG.get();
            } else {
                Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
                if (!readers.hasNext()) {
                    throw corrupt(origin, "it is not a JPEG or PNG image");
                }
                reader = readers.next();
            }
            reader.setInput(in, true, true);
            return new Opened(reader, jpeg, jpeg && !endsWithEoi(encoded), in, origin, reader.getHeight(0),
                    reader.getWidth(0));
        } catch (IOException | RuntimeException e) {
            release(reader, jpeg, in);
            throw e instanceof DatasetException d ? d : corrupt(origin, e);
        }
    }

    /**
     * Whether a JPEG's last bytes other than zero padding are its end-of-image marker: entropy-coded
     * data never holds that pair (a 0xFF there is followed by 0x00), so a file cut inside it fails.
     */
    private static boolean endsWithEoi(byte[] encoded) {
        int end = encoded.length;
        while (end > 2 && encoded[end - 1] == 0) {
            end--;
        }
        return (encoded[end - 1] & 0xFF) == 0xD9 && (encoded[end - 2] & 0xFF) == 0xFF;
    }

    private static void release(ImageReader reader, boolean jpeg, ImageInputStream in) {
        if (reader != null) {
            if (jpeg) {
                reader.setInput(null);
            } else {
                reader.dispose();
            }
        }
        try {
            in.close();
        } catch (IOException ignored) {
            // a stream over a byte array holds nothing to release
        }
    }

    /** An image whose header has been read: its size is known, its pixels not decoded yet. */
    public final class Opened implements AutoCloseable {
        private final ImageReader reader;
        private final boolean jpeg;
        /** A JPEG that may be truncated: decoded to its last row, so that the codec sees where it ends. */
        private final boolean toTheEnd;
        private final ImageInputStream in;
        private final String origin;
        private final int height;
        private final int width;

        private Opened(ImageReader reader, boolean jpeg, boolean toTheEnd, ImageInputStream in, String origin,
                       int height, int width) {
            this.reader = reader;
            this.jpeg = jpeg;
            this.toTheEnd = toTheEnd;
            this.in = in;
            this.origin = origin;
            this.height = height;
            this.width = width;
        }

        /** @return the image's rows */
        public int height() {
            return height;
        }

        /** @return the image's columns */
        public int width() {
            return width;
        }

        /**
         * Decodes a window of the image.
         *
         * @param window inside the image
         * @return its {@link Window#decodedHeight()} x {@link Window#decodedWidth()} pixels
         * @throws DatasetException when the image cannot be decoded, or decodes with a warning
         */
        public Pixels read(Window window) {
            if (window.top() + window.height() > height || window.left() + window.width() > width) {
                throw new IllegalArgumentException(window + " is outside the " + height + "x" + width + " image");
            }
            // rows past the window are decoded only to reach the end of a JPEG that may be cut short
            Window decoded = toTheEnd ? new Window(window.top(), window.left(), height - window.top(),
                    window.width(), window.step()) : window;
            ImageReadParam param = reader.getDefaultReadParam();
            param.setSourceRegion(new Rectangle(decoded.left(), decoded.top(), decoded.width(), decoded.height()));
            param.setSourceSubsampling(decoded.step(), decoded.step(), 0, 0);
            List<String> warnings = new ArrayList<>();
            IIOReadWarningListener listener = (source, warning) -> warnings.add(warning);
            reader.addIIOReadWarningListener(listener);
            try {
                byte[] rgb = jpeg ? rgbDestination(param, decoded) : null;
                BufferedImage image = reader.read(0, param);
                if (!warnings.isEmpty()) {
                    throw corrupt(origin, warnings.get(0));
                }
                byte[] pixels = rgb != null ? fromRgb(rgb) : pixels(image);
                int h = window.decodedHeight();
                int w = window.decodedWidth();
                // the window's rows are the first ones of the decoded rows
                return new Pixels(h, w, channels, pixels.length == h * w * channels ? pixels
                        : Arrays.copyOf(pixels, h * w * channels));
            } catch (IOException | RuntimeException e) {
                throw e instanceof DatasetException d ? d : corrupt(origin, e);
            } finally {
                reader.removeIIOReadWarningListener(listener);
            }
        }

        /**
         * For a colour JPEG, an RGB-ordered destination: the codec's rows are then copied whole into
         * it, where the reader's own BGR image takes a per-pixel reordering (and ours another).
         */
        private byte[] rgbDestination(ImageReadParam param, Window window) throws IOException {
            ImageTypeSpecifier type = reader.getImageTypes(0).next();
            if (type.getBufferedImageType() != BufferedImage.TYPE_3BYTE_BGR) {
                return null;
            }
            int h = window.decodedHeight();
            int w = window.decodedWidth();
            byte[] data = new byte[h * w * 3];
            WritableRaster raster = Raster.createInterleavedRaster(new DataBufferByte(data, data.length), w, h, w * 3, 3,
                    new int[] {0, 1, 2}, null);
            param.setDestination(new BufferedImage(RGB, raster, false, null));
            return data;
        }

        @Override
        public void close() {
            release(reader, jpeg, in);
        }
    }

    /** RGB pixels of a colour JPEG in this decoder's channels. */
    private byte[] fromRgb(byte[] rgb) {
        if (channels == 3) {
            return rgb;
        }
        byte[] out = new byte[rgb.length / 3];
        for (int p = 0; p < out.length; p++) {
            out[p] = luma(rgb[3 * p] & 0xFF, rgb[3 * p + 1] & 0xFF, rgb[3 * p + 2] & 0xFF);
        }
        return out;
    }

    private byte[] pixels(BufferedImage image) {
        int h = image.getHeight();
        int w = image.getWidth();
        int[] offsets = byteBands(image);
        if (offsets != null) {
            byte[] data = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            int stride = ((PixelInterleavedSampleModel) image.getSampleModel()).getPixelStride();
            boolean grey = offsets.length == 1;
            if (grey && channels == 1 && stride == 1) {
                return data.clone();
            }
            byte[] out = new byte[h * w * channels];
            int r = offsets[0];
            int g = grey ? r : offsets[1];
            int b = grey ? r : offsets[2];
            for (int p = 0, s = 0, n = h * w; p < n; p++, s += stride) {
                if (channels == 3) {
                    out[3 * p] = data[s + r];
                    out[3 * p + 1] = data[s + g];
                    out[3 * p + 2] = data[s + b];
                } else {
                    out[p] = grey ? data[s + r] : luma(data[s + r] & 0xFF, data[s + g] & 0xFF, data[s + b] & 0xFF);
                }
            }
            return out;
        }
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        byte[] out = new byte[h * w * channels];
        for (int p = 0; p < argb.length; p++) {
            int r = argb[p] >> 16 & 0xFF;
            int g = argb[p] >> 8 & 0xFF;
            int b = argb[p] & 0xFF;
            if (channels == 3) {
                out[3 * p] = (byte) r;
                out[3 * p + 1] = (byte) g;
                out[3 * p + 2] = (byte) b;
            } else {
                out[p] = luma(r, g, b);
            }
        }
        return out;
    }

    /**
     * @return for an image of whole-array 8-bit interleaved samples in sRGB (red, green, blue, any
     *     alpha after) or linear grey, the offsets of red, green and blue (or of grey) in a pixel;
     *     null for any other layout, which goes through {@link BufferedImage#getRGB}
     */
    private static int[] byteBands(BufferedImage image) {
        ColorModel cm = image.getColorModel();
        if (!(cm instanceof ComponentColorModel) || cm.getTransferType() != DataBuffer.TYPE_BYTE
                || !(image.getSampleModel() instanceof PixelInterleavedSampleModel sm)
                || !(image.getRaster().getDataBuffer() instanceof DataBufferByte buffer) || buffer.getNumBanks() != 1
                || image.getRaster().getParent() != null || sm.getScanlineStride() != sm.getPixelStride() * image.getWidth()
                || buffer.getOffset() != 0 || cm.isAlphaPremultiplied()) {
            return null;
        }
        int type = cm.getColorSpace().getType();
        int colours = cm.getNumColorComponents();
        for (int bits : cm.getComponentSize()) {
            if (bits != 8) {
                return null;
            }
        }
        int[] offsets = sm.getBandOffsets();
        if (type == ColorSpace.TYPE_RGB && cm.getColorSpace().isCS_sRGB() && colours == 3) {
            return new int[] {offsets[0], offsets[1], offsets[2]};
        }
        if (type == ColorSpace.TYPE_GRAY && colours == 1
                && cm.getColorSpace() == ColorSpace.getInstance(ColorSpace.CS_GRAY)) {
            return new int[] {offsets[0]};
        }
        return null;
    }

    private static byte luma(int r, int g, int b) {
        return (byte) ((r * 299 + g * 587 + b * 114 + 500) / 1000);
    }

    private static DatasetException corrupt(String origin, Exception e) {
        return corrupt(origin, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }

    private static DatasetException corrupt(String origin, String why) {
        return new DatasetException(origin + ": corrupt image: " + why
                + ". Fix: replace or delete the file, or set pocketflow.data.skip-corrupt=true to skip it");
    }
}
