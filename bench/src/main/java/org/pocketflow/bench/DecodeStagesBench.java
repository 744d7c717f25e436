package org.pocketflow.bench;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.MemoryCacheImageInputStream;

import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.HadoopFile;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.data.stream.ImageDecoder;
import org.pocketflow.worker.data.stream.ImageTransform;
import org.pocketflow.worker.io.HadoopConf;

/**
 * Where the time of one training image goes on one thread, stage by stage, over the JPEGs of
 * {@code FOLDER/train} held in memory: reading a file through Hadoop FS and with {@code java.nio}
 * (what the loader's reader thread does for local files), then from the bytes in memory the
 * header, ImageIO's own decode to its BGR image and the reordering to RGB that the loader used
 * to do after it, the decode straight
 * into RGB, the random resized crop with flip from the whole image, the windowed path (header,
 * crop drawn, only the crop's window decoded, resampled; with and without subsampling), the
 * scaling to floats and the copy of 64 images into an ND4J array. Microseconds per image, each
 * stage timed over all images in each of {@code repeats} rounds; printed is the fastest round
 * after the first (which warms the JIT), the least disturbed by other work on a shared machine.
 *
 * <pre>bench/bin/run DecodeStagesBench FOLDER [repeats=4]</pre>
 * Prints figures; asserts nothing.
 */
public final class DecodeStagesBench {
    private static final int SIZE = 224;
    /** Per stage, the fastest round's microseconds per image. */
    private static final Map<String, Double> FASTEST = new LinkedHashMap<>();

    private DecodeStagesBench() {
    }

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        List<byte[]> files = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(folder.resolve("train"))) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile).sorted()::iterator) {
                files.add(Files.readAllBytes(p));
                paths.add(p.toUri().toString());
            }
        }
        Configuration conf = HadoopConf.get();
        int n = files.size();
        ImageDecoder decoder = new ImageDecoder(3);
        ImageTransform transform = new ImageTransform(SIZE);
        ImageTransform subsampling = new ImageTransform(SIZE, true);
        ImageReader jdk = jdkReader();
        float[][] tables = Normalizer.IMAGENET.lookupTables(3);
        float[] scaled = new float[3 * SIZE * SIZE];
        byte[][] outputs = new byte[n][];
        for (int r = 0; r < repeats; r++) {
            boolean record = r > 0;
            stage(record, "read the file through Hadoop FS", n, i -> {
                try (InputStream in = HadoopFile.resolve(paths.get(i), conf).open()) {
                    in.readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            stage(record, "  of which resolving the path", n, i -> HadoopFile.resolve(paths.get(i), conf));
            stage(record, "  of which resolving + opening", n, i -> {
                try (InputStream in = HadoopFile.resolve(paths.get(i), conf).open()) {
                    in.read();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            stage(record, "read the file with java.nio", n, i -> {
                try {
                    Files.readAllBytes(Path.of(java.net.URI.create(paths.get(i))));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            stage(record, "header (open, size)", n, i -> decoder.open(files.get(i), "").close());
            stage(record, "ImageIO decode to its BGR image", n, i -> {
                try {
                    jdk.setInput(new MemoryCacheImageInputStream(new ByteArrayInputStream(files.get(i))), true, true);
                    BufferedImage image = jdk.read(0);
                    jdk.setInput(null);
                    byte[] d = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
                    outputs[i] = d;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            stage(record, "  its BGR to RGB bytes (the old copy)", n, i -> {
                byte[] d = outputs[i];
                byte[] out = new byte[d.length];
                for (int p = 0; p + 2 < d.length; p += 3) {
                    out[p] = d[p + 2];
                    out[p + 1] = d[p + 1];
                    out[p + 2] = d[p];
                }
                outputs[i] = out;
            });
            stage(record, "decode whole to RGB (ImageDecoder.decode)", n, i -> decoder.decode(files.get(i), ""));
            stage(record, "decode whole + crop/flip/resample", n,
                    i -> outputs[i] = transform.train(decoder.decode(files.get(i), ""), new SplittableRandom(i)));
            stage(record, "windowed: open + window decode + resample", n, i -> {
                try (ImageDecoder.Opened image = decoder.open(files.get(i), "")) {
                    outputs[i] = transform.train(image, new SplittableRandom(i));
                }
            });
            stage(record, "windowed with subsampling", n, i -> {
                try (ImageDecoder.Opened image = decoder.open(files.get(i), "")) {
                    subsampling.train(image, new SplittableRandom(i));
                }
            });
            stage(record, "scale to floats (lookup tables)", n, i -> {
                byte[] chw = outputs[i];
                for (int c = 0, k = 0; c < 3; c++) {
                    float[] lut = tables[c];
                    for (int end = k + SIZE * SIZE; k < end; k++) {
                        scaled[k] = lut[chw[k] & 0xFF];
                    }
                }
            });
            stage(record, "copy into an ND4J batch of 64 (per image)", n / 64, i -> {
                INDArray f = Nd4j.createUninitialized(DataType.FLOAT, new long[] {64, 3, SIZE, SIZE}, 'c');
                FloatBuffer out = f.data().asNioFloat();
                for (int k = 0; k < 64; k++) {
                    out.put(scaled);
                }
                f.close();
            }, 64);
        }
        FASTEST.forEach((name, us) -> System.out.printf("%-46s %8.1f us/image%n", name, us));
    }

    private static void stage(boolean record, String name, int count, IntConsumer work) {
        stage(record, name, count, work, 1);
    }

    private static void stage(boolean record, String name, int count, IntConsumer work, int imagesPerCall) {
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            work.accept(i);
        }
        double us = (System.nanoTime() - t0) / 1e3 / (count * (double) imagesPerCall);
        if (record) {
            FASTEST.merge(name, us, Math::min);
        }
    }

    private static ImageReader jdkReader() {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg");
        while (readers.hasNext()) {
            ImageReader r = readers.next();
            if (r.getClass().getName().equals("com.sun.imageio.plugins.jpeg.JPEGImageReader")) {
                return r;
            }
        }
        throw new IllegalStateException("the JDK's JPEG reader is missing");
    }
}
