package org.pocketflow.worker.data.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.MemoryCacheImageInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pocketflow.worker.data.DatasetException;

/** Whole and windowed decoding of JPEG and PNG, grey and RGB, against ImageIO's own reading. */
class ImageDecoderTest {

    /** Encodes a generated image of odd size (stripes with noise, grey or RGB) as JPEG or PNG. */
    static byte[] encoded(String format, boolean grey, int height, int width, long seed) {
        BufferedImage image = SyntheticImageFolder.image(2, 5, width, height, grey, new SplittableRandom(seed));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            assertTrue(ImageIO.write(image, format, out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Test
    void aColourJpegDecodesToTheRgbOfTheJdksOwnReader() throws IOException {
        byte[] jpeg = encoded("jpeg", false, 37, 53, 1);
        ImageDecoder.Pixels p = new ImageDecoder(3).decode(jpeg, "a.jpg");
        assertEquals(37, p.height());
        assertEquals(53, p.width());
        BufferedImage reference = jdkRead(jpeg);
        for (int y = 0; y < 37; y++) {
            for (int x = 0; x < 53; x++) {
                int rgb = reference.getRGB(x, y);
                int at = 3 * (y * 53 + x);
                assertEquals(rgb >> 16 & 0xFF, p.pixels()[at] & 0xFF, "red at " + y + "," + x);
                assertEquals(rgb >> 8 & 0xFF, p.pixels()[at + 1] & 0xFF, "green at " + y + "," + x);
                assertEquals(rgb & 0xFF, p.pixels()[at + 2] & 0xFF, "blue at " + y + "," + x);
            }
        }
    }

    @ParameterizedTest(name = "{0}, grey={1}, channels={2}")
    @CsvSource({"jpeg,false,3", "jpeg,true,3", "png,false,3", "png,true,3", "jpeg,false,1", "jpeg,true,1",
            "png,false,1", "png,true,1"})
    void aWindowIsExactlyThatRectangleOfTheWholeDecodeAtItsStep(String format, boolean grey, int channels) {
        byte[] bytes = encoded(format, grey, 61, 47, 2);
        ImageDecoder decoder = new ImageDecoder(channels);
        ImageDecoder.Pixels whole = decoder.decode(bytes, "x." + format);
        assertEquals(61 * 47 * channels, whole.pixels().length);
        for (ImageDecoder.Window w : new ImageDecoder.Window[] {new ImageDecoder.Window(0, 0, 61, 47, 1),
                new ImageDecoder.Window(5, 7, 30, 21, 1), new ImageDecoder.Window(40, 30, 21, 17, 1),
                new ImageDecoder.Window(3, 2, 50, 41, 2), new ImageDecoder.Window(1, 0, 60, 47, 3)}) {
            ImageDecoder.Pixels part;
            try (ImageDecoder.Opened image = decoder.open(bytes, "x." + format)) {
                assertEquals(61, image.height());
                assertEquals(47, image.width());
                part = image.read(w);
            }
            assertEquals(w.decodedHeight(), part.height(), w.toString());
            assertEquals(w.decodedWidth(), part.width(), w.toString());
            assertArrayEquals(rectangle(whole, w), part.pixels(), w.toString());
        }
    }

    @Test
    void greyIsReplicatedAndColourReducedToLuma() {
        byte[] grey = encoded("png", true, 9, 11, 3);
        ImageDecoder.Pixels one = new ImageDecoder(1).decode(grey, "g.png");
        ImageDecoder.Pixels three = new ImageDecoder(3).decode(grey, "g.png");
        for (int p = 0; p < 99; p++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(one.pixels()[p], three.pixels()[3 * p + c]);
            }
        }
        byte[] colour = encoded("png", false, 9, 11, 4);
        ImageDecoder.Pixels rgb = new ImageDecoder(3).decode(colour, "c.png");
        ImageDecoder.Pixels luma = new ImageDecoder(1).decode(colour, "c.png");
        for (int p = 0; p < 99; p++) {
            int r = rgb.pixels()[3 * p] & 0xFF;
            int g = rgb.pixels()[3 * p + 1] & 0xFF;
            int b = rgb.pixels()[3 * p + 2] & 0xFF;
            assertEquals((r * 299 + g * 587 + b * 114 + 500) / 1000, luma.pixels()[p] & 0xFF);
        }
    }

    @Test
    void aTruncatedJpegIsRefusedEvenForAWindowAboveTheMissingRows() {
        byte[] jpeg = encoded("jpeg", false, 80, 60, 5);
        byte[] truncated = Arrays.copyOf(jpeg, jpeg.length * 3 / 4);
        ImageDecoder decoder = new ImageDecoder(3);
        DatasetException e = assertThrows(DatasetException.class, () -> {
            try (ImageDecoder.Opened image = decoder.open(truncated, "cut.jpg")) {
                image.read(new ImageDecoder.Window(0, 0, 4, 60, 1));
            }
        });
        assertTrue(e.getMessage().startsWith("cut.jpg: corrupt image") && e.getMessage().contains("skip-corrupt"),
                e.getMessage());
        DatasetException notImage = assertThrows(DatasetException.class,
                () -> decoder.decode("hello".getBytes(), "note.txt"));
        assertTrue(notImage.getMessage().contains("note.txt"), notImage.getMessage());
    }

    @Test
    void aJpegWithBytesAfterItsEndDecodesAsWithoutThem() {
        byte[] jpeg = encoded("jpeg", false, 40, 30, 8);
        ImageDecoder decoder = new ImageDecoder(3);
        ImageDecoder.Pixels whole = decoder.decode(jpeg, "a.jpg");
        ImageDecoder.Window top = new ImageDecoder.Window(2, 3, 9, 20, 1);
        byte[] padded = Arrays.copyOf(jpeg, jpeg.length + 3000);
        byte[] trailer = Arrays.copyOf(jpeg, jpeg.length + 3000);
        Arrays.fill(trailer, jpeg.length, trailer.length, (byte) 0x55);
        for (byte[] bytes : new byte[][] {padded, trailer}) {
            try (ImageDecoder.Opened image = decoder.open(bytes, "a.jpg")) {
                assertArrayEquals(rectangle(whole, top), image.read(top).pixels());
            }
        }
    }

    @Test
    void aWindowOutsideTheImageIsABug() {
        byte[] png = encoded("png", false, 10, 10, 6);
        try (ImageDecoder.Opened image = new ImageDecoder(3).open(png, "p.png")) {
            assertThrows(IllegalArgumentException.class, () -> image.read(new ImageDecoder.Window(5, 0, 6, 10, 1)));
        }
    }

    /** The window's pixels cut from a whole decode: every step-th row and column of its rectangle. */
    static byte[] rectangle(ImageDecoder.Pixels whole, ImageDecoder.Window w) {
        int c = whole.channels();
        byte[] out = new byte[w.decodedHeight() * w.decodedWidth() * c];
        int k = 0;
        for (int i = 0; i < w.decodedHeight(); i++) {
            for (int j = 0; j < w.decodedWidth(); j++) {
                int at = ((w.top() + i * w.step()) * whole.width() + w.left() + j * w.step()) * c;
                for (int ch = 0; ch < c; ch++) {
                    out[k++] = whole.pixels()[at + ch];
                }
            }
        }
        return out;
    }

    private static BufferedImage jdkRead(byte[] jpeg) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
        while (readers.hasNext()) {
            ImageReader r = readers.next();
            if (r.getClass().getName().equals("com.sun.imageio.plugins.jpeg.JPEGImageReader")) {
                r.setInput(new MemoryCacheImageInputStream(new ByteArrayInputStream(jpeg)));
                return r.read(0);
            }
        }
        throw new IllegalStateException("the JDK's JPEG reader is missing");
    }
}
