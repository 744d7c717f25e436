package org.pocketflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.worker.data.stream.ExampleCodec;
import org.pocketflow.worker.data.stream.SyntheticImageFolder;
import org.pocketflow.worker.data.stream.TfRecords;

/**
 * A streamed data set ten times larger than the heap trains to the end: TFRecord shards of
 * 1.3 GB (and more than ten times the heap of decoded pixels) through an executor's base-model task in a JVM
 * started with {@code -Xmx128m} and ND4J's off-heap arrays capped at 512 MB. Holding the data
 * would need ten such heaps; the task finishes, the model it wrote scores well above chance.
 */
class LargerThanHeapTrainingTest {
    private static final long HEAP = 128L << 20;
    private static final int CLASSES = 3;

    @Test
    void shardsTenTimesTheHeapTrainAnEpochToTheEnd(@TempDir Path dir) throws Exception {
        // 8 distinct PNGs per class of 600..700 pixels a side (noise keeps them over 1 MB); the
        // training shards repeat them, each record decoded and augmented afresh, until 10x the heap
        SyntheticImageFolder.write(dir.resolve("images"), CLASSES, 8, 4, 600, 700, "png", 21);
        Path shards = Files.createDirectories(dir.resolve("shards"));
        long trainBytes = writeShards(dir.resolve("images/train"), shards, "train", 10 * HEAP);
        writeShards(dir.resolve("images/val"), shards, "validation", 1);
        assertTrue(trainBytes >= 10 * HEAP, "shards of " + trainBytes + " bytes");

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx128m", "-Dorg.bytedeco.javacpp.maxbytes=512m",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=3g", "-cp", System.getProperty("java.class.path"),
                StreamTrainMain.class.getName(), shards.toString(), dir.resolve("run").toUri().toString(),
                String.valueOf(CLASSES)).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "the training did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        Matcher m = Pattern.compile("trained 1 epochs on (\\d+) images in [0-9.]+ s, test accuracy ([0-9.]+), "
                + "heap limit (\\d+)").matcher(text);
        assertTrue(m.find(), text);
        System.out.println(m.group() + "; shards " + trainBytes + " bytes");
        assertTrue(Files.exists(dir.resolve("run/model.zip")));
        assertTrue(Double.parseDouble(m.group(2)) > 0.6, "chance is 1/3: " + m.group());
        assertTrue(Long.parseLong(m.group(3)) <= HEAP, "the JVM ran under the small heap: " + m.group());
        assertTrue(Long.parseLong(m.group(1)) * 600L * 600 * 3 > 10 * HEAP, "decoded pixels too: " + m.group());
    }

    /** Shards of the folder's images (label = class index), repeated until {@code atLeast} bytes; returns the bytes. */
    private static long writeShards(Path folder, Path out, String name, long atLeast) throws IOException {
        List<byte[]> records = new ArrayList<>();
        List<Path> classes;
        try (var s = Files.list(folder)) {
            classes = s.sorted().toList();
        }
        for (int c = 0; c < classes.size(); c++) {
            try (var s = Files.list(classes.get(c))) {
                for (Path f : s.sorted().toList()) {
                    records.add(ExampleCodec.encode(Files.readAllBytes(f), c));
                }
            }
        }
        long bytes = 0;
        int shard = 0;
        do {
            Path file = out.resolve(String.format("%s-%05d", name, shard++));
            try (OutputStream o = Files.newOutputStream(file)) {
                // one pass over the distinct images per shard, classes interleaved
                int perClass = records.size() / classes.size();
                for (int i = 0; i < perClass; i++) {
                    for (int c = 0; c < classes.size(); c++) {
                        TfRecords.write(o, records.get(c * perClass + i));
                    }
                }
            }
            bytes += Files.size(file);
        } while (bytes < atLeast);
        return bytes;
    }
}
