package org.pocketflow.worker.data.stream;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

import org.pocketflow.worker.data.DatasetException;

/**
 * Decodes a JPEG or PNG file with {@code javax.imageio} into interleaved 8-bit pixels of a fixed
 * channel count: grey images are replicated to RGB, colour images reduced to grey with the
 * ITU-R 601 luma weights (as PIL's {@code convert("L")}), alpha dropped. A file the decoder
 * cannot read, or reads only with warnings (a truncated JPEG decodes with a warning, not an
 * error), is reported as corrupt with its name. Stateless and thread-safe.
 */
public final class ImageDecoder {
    static {
        ImageIO.setUseCache(false); // decode from memory, never through temporary files
    }

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
     * @param encoded the file's bytes
     * @param origin  the file (and record) for error messages
     * @return the pixels
     * @throws DatasetException when the bytes are no readable JPEG or PNG
     */
    public Pixels decode(byte[] encoded, String origin) {
        BufferedImage image;
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            boolean jpeg = encoded.length > 2 && (encoded[0] & 0xFF) == 0xFF && (encoded[1] & 0xFF) == 0xD8;
            ImageReader reader;
            if (jpeg) {
                reader = JPEG.get();
            } else {
                Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
                if (!readers.hasNext()) {
                    throw corrupt(origin, "it is not a JPEG or PNG image");
                }
                reader = readers.next();
            }
            List<String> warnings = new ArrayList<>();
            javax.imageio.event.IIOReadWarningListener listener = (source, warning) -> warnings.add(warning);
            try {
                reader.setInput(in, true, true);
                reader.addIIOReadWarningListener(listener);
                image = reader.read(0);
            } finally {
                if (jpeg) {
                    reader.removeIIOReadWarningListener(listener);
                    reader.setInput(null);
                } else {
                    reader.dispose();
                }
            }
            if (!warnings.isEmpty()) {
                throw corrupt(origin, warnings.get(0));
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DatasetException d) {
                throw d;
            }
            throw corrupt(origin, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
        return new Pixels(image.getHeight(), image.getWidth(), channels, pixels(image));
    }

    private byte[] pixels(BufferedImage image) {
        int h = image.getHeight();
        int w = image.getWidth();
        int type = image.getType();
        if (type == BufferedImage.TYPE_BYTE_GRAY || type == BufferedImage.TYPE_3BYTE_BGR) {
            byte[] data = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            boolean grey = type == BufferedImage.TYPE_BYTE_GRAY;
            if (grey && channels == 1) {
                return data.clone();
            }
            byte[] out = new byte[h * w * channels];
            for (int p = 0, n = h * w; p < n; p++) {
                if (grey) {
                    out[3 * p] = data[p];
                    out[3 * p + 1] = data[p];
                    out[3 * p + 2] = data[p];
                } else if (channels == 3) {
                    out[3 * p] = data[3 * p + 2];
                    out[3 * p + 1] = data[3 * p + 1];
                    out[3 * p + 2] = data[3 * p];
                } else {
                    out[p] = luma(data[3 * p + 2] & 0xFF, data[3 * p + 1] & 0xFF, data[3 * p] & 0xFF);
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

    private static byte luma(int r, int g, int b) {
        return (byte) ((r * 299 + g * 587 + b * 114 + 500) / 1000);
    }

    private static DatasetException corrupt(String origin, String why) {
        return new DatasetException(origin + ": corrupt image: " + why
                + ". Fix: replace or delete the file, or set pocketflow.data.skip-corrupt=true to skip it");
    }
}
