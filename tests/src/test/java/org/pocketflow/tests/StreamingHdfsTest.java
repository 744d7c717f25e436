package org.pocketflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.imageio.ImageIO;

import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.data.stream.ImageFolderToTfRecord;
import org.pocketflow.worker.data.stream.StreamOptions;
import org.pocketflow.worker.data.stream.StreamingBatches;
import org.pocketflow.worker.data.stream.StreamingDataset;
import org.pocketflow.worker.data.stream.SyntheticImageFolder;

/**
 * Streamed formats over an in-process HDFS (one {@link MiniDFSCluster} for the class): an image
 * folder and its TFRecord shards read through {@code hdfs://} give what the local copies give;
 * and a data set larger than the heap streams through a JVM started with {@code -Xmx256m}.
 */
class StreamingHdfsTest {
    @TempDir
    static Path local;
    @RegisterExtension
    static final MiniHdfs HDFS = new MiniHdfs();
    private static String hdfs;

    @BeforeAll
    static void startClusterAndCopyDataIn() throws IOException {
        SyntheticImageFolder.write(local.resolve("images"), 4, 10, 5, 30, 70, "mixed", 3);
        ImageFolderToTfRecord.convert(local.resolve("images").toString(), local.resolve("shards").toString(), 7, 1, 2);
        HDFS.copyIn(local.resolve("images"), "/data/images");
        HDFS.copyIn(local.resolve("shards"), "/data/shards");
        hdfs = HDFS.uri() + "/data";
    }

    private static List<float[]> read(String uri, String format) {
        StreamOptions o = new StreamOptions(format, 24, 3, format.equals("tfrecord") ? 4 : 0, 1, false, 2, 16);
        StreamingDataset d = StreamingDataset.open(uri, o, 0.2, 9, 0, 0);
        List<float[]> out = new ArrayList<>();
        for (var units : List.of(d.train(), d.test())) {
            StreamingBatches b = new StreamingBatches(units, o, d.classes(), 8, Normalizer.UNIT, true, 4, 1,
                    new AtomicLong());
            while (b.hasNext()) {
                DataSet ds = b.next();
                out.add(ds.getFeatures().data().asFloat());
                out.add(ds.getLabels().data().asFloat());
            }
        }
        return out;
    }

    private static void assertSame(List<float[]> a, List<float[]> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertTrue(java.util.Arrays.equals(a.get(i), b.get(i)), "batch part " + i + " differs");
        }
    }

    @Test
    void anImageFolderAndItsShardsReadThroughHdfsGiveWhatTheLocalCopiesGive() {
        assertTrue(hdfs.startsWith("hdfs://"), hdfs);
        assertSame(read(local.resolve("images").toString(), "image-folder"), read(hdfs + "/images", "image-folder"));
        assertSame(read(local.resolve("shards").toString(), "tfrecord"), read(hdfs + "/shards", "tfrecord"));
        StreamOptions o = new StreamOptions("tfrecord", 24, 3, 4, 1, false, 1, 4);
        StreamingDataset d = StreamingDataset.open(hdfs + "/shards", o, 0.2, 9, 0, 0);
        assertEquals(40, d.trainImages() + d.validationImages());
        assertTrue(d.train().get(0).uri().startsWith("hdfs://"), d.train().get(0).uri());
    }

    @Test
    void aDataSetLargerThanTheHeapStreamsThroughA256MegabyteJvm(@TempDir Path dir) throws Exception {
        // 1000 images of at least 300x300 RGB: at least 270 MB of decoded pixels
        SyntheticImageFolder.write(dir, 10, 100, 1, 300, 340, "jpg", 8);
        long decoded = 0;
        try (var files = Files.walk(dir.resolve("train"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                var img = ImageIO.read(f.toFile());
                decoded += 3L * img.getWidth() * img.getHeight();
            }
        }
        assertTrue(decoded > 256L << 20, "decoded pixels " + decoded);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-Dorg.bytedeco.javacpp.maxbytes=2g",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=4g", "-cp", System.getProperty("java.class.path"),
                StreamEpochMain.class.getName(), dir.toString()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the epoch did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("images 1000 "), text);
    }
}
