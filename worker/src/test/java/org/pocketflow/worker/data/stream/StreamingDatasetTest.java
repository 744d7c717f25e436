package org.pocketflow.worker.data.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.worker.data.DatasetException;
import org.pocketflow.worker.data.Normalizer;

/** Image folders and TFRecord shards on the local file system: listing, splits, partitions, batches, bad files. */
class StreamingDatasetTest {
    private static final int CLASSES = 3;

    @TempDir
    static Path tmp;
    private static Path folder;
    private static Path shards;

    @BeforeAll
    static void generate() {
        folder = tmp.resolve("images");
        SyntheticImageFolder.write(folder, CLASSES, 12, 4, 20, 60, "mixed", 1);
        shards = tmp.resolve("shards");
        assertArrayEquals(new int[] {4, 2}, ImageFolderToTfRecord.convert(folder.toString(), shards.toString(), 9, 1, 5));
    }

    private static StreamOptions options(String format, boolean skip) {
        return new StreamOptions(format, 16, 3, format.equals("tfrecord") ? CLASSES : 0, 1, skip, 2, 8);
    }

    private static List<Integer> labels(java.util.Iterator<DataSet> batches) {
        List<Integer> labels = new ArrayList<>();
        while (batches.hasNext()) {
            DataSet b = batches.next();
            assertEquals(16, b.getFeatures().size(2));
            int[] argmax = b.getLabels().argMax(1).toIntVector();
            for (int l : argmax) {
                labels.add(l);
            }
        }
        return labels;
    }

    @Test
    void imageFolderListsClassesInSortedOrderAndCarvesValidationPerClass() {
        StreamingDataset d = StreamingDataset.open(folder.toString(), options("image-folder", false), 0.25, 3, 0, 0);
        assertEquals(CLASSES, d.classes());
        assertEquals(27, d.trainImages());
        assertEquals(9, d.validationImages());
        assertEquals(12, d.testImages());
        Set<String> all = new HashSet<>();
        for (Unit u : d.train()) {
            assertTrue(all.add(u.uri()));
            assertTrue(u.uri().contains("/class-0" + u.label() + "/"), u.toString());
        }
        d.validation().forEach(u -> assertTrue(all.add(u.uri()), "validation is disjoint from train"));
        assertEquals(3, d.validation().stream().filter(u -> u.label() == 1).count(), "stratified");
        StreamingDataset again = StreamingDataset.open(folder.toUri().toString(), options("image-folder", false), 0.25,
                3, 0, 0);
        assertEquals(d.validation(), again.validation());
        assertEquals(d.sha256(), again.sha256());
        assertNotEquals(d.validation(), StreamingDataset.open(folder.toString(), options("image-folder", false), 0.25,
                4, 0, 0).validation());
    }

    @Test
    void hiddenFoldersAndFilesAreNeitherClassesNorImages(@TempDir Path dir) throws IOException {
        SyntheticImageFolder.write(dir, 2, 3, 2, 20, 30, "png", 4);
        Files.createDirectories(dir.resolve("train/.ipynb_checkpoints"));
        Files.createDirectories(dir.resolve("val/.ipynb_checkpoints"));
        Files.writeString(dir.resolve("train/.DS_Store"), "Finder");
        Files.writeString(dir.resolve("train/class-00/._img-00000.png"), "AppleDouble, not a PNG");
        Files.writeString(dir.resolve("train/class-01/README.txt"), "notes");
        StreamingDataset d = StreamingDataset.open(dir.toString(), options("image-folder", false), 0.0, 3, 0, 0);
        assertEquals(2, d.classes());
        assertEquals("class-00", d.className(0));
        assertEquals(6, d.trainImages());
        assertTrue(d.train().stream().noneMatch(u -> u.name().contains("/.")), d.train().toString());
    }

    @Test
    void numberedClassFoldersAreOrderedAsTextAndTheNoteSaysWhichOutputIsWhichFolder(@TempDir Path dir)
            throws IOException {
        SyntheticImageFolder.write(dir, 11, 1, 1, 20, 24, "png", 4);
        for (String split : List.of("train", "val")) {
            for (int c = 0; c < 11; c++) {
                Files.move(dir.resolve(split).resolve(String.format("class-%02d", c)),
                        dir.resolve(split).resolve(Integer.toString(c)));
            }
        }
        StreamingDataset d = StreamingDataset.open(dir.toString(), options("image-folder", false), 0.0, 3, 0, 0);
        assertEquals(List.of("0", "1", "10", "2", "3", "4", "5", "6", "7", "8", "9"), d.classNames());
        String note = d.numberedClassesNote().orElseThrow();
        assertTrue(note.contains("output 2 is folder 10"), note);
        assertTrue(StreamingDataset.open(folder.toString(), options("image-folder", false), 0.0, 3, 0, 0)
                .numberedClassesNote().isEmpty(), "named classes need no note");
    }

    @Test
    void numberedClassFoldersInNumericOrderAsTextGetNoNote(@TempDir Path dir) throws IOException {
        // 1-based folders 1, 2, 3: their text order is their numeric order, so nothing is misordered
        SyntheticImageFolder.write(dir, 3, 1, 1, 20, 24, "png", 4);
        for (String split : List.of("train", "val")) {
            for (int c = 0; c < 3; c++) {
                Files.move(dir.resolve(split).resolve(String.format("class-%02d", c)),
                        dir.resolve(split).resolve(Integer.toString(c + 1)));
            }
        }
        StreamingDataset d = StreamingDataset.open(dir.toString(), options("image-folder", false), 0.0, 3, 0, 0);
        assertEquals(List.of("1", "2", "3"), d.classNames());
        assertTrue(d.numberedClassesNote().isEmpty(), d.numberedClassesNote().toString());
    }

    @Test
    void tfrecordShardsGiveTheSameImagesAndLabelsAsTheFolder() {
        StreamingDataset d = StreamingDataset.open(shards.toString(), options("tfrecord", false), 0.0, 3, 0, 0);
        assertEquals(36, d.trainImages());
        assertEquals(12, d.testImages());
        StreamingDataset f = StreamingDataset.open(folder.toString(), options("image-folder", false), 0.0, 3, 0, 0);
        List<Integer> fromShards = labels(new StreamingBatches(d.test(), d.options(), CLASSES, 5, Normalizer.UNIT,
                false, 0, 0, new AtomicLong()));
        List<Integer> fromFolder = labels(new StreamingBatches(f.test(), f.options(), CLASSES, 5, Normalizer.UNIT,
                false, 0, 0, new AtomicLong()));
        assertEquals(fromFolder, fromShards, "val/ is written in order, so the labels match one to one");
        assertEquals(List.of(4L, 4L, 4L), List.of(count(fromShards, 0), count(fromShards, 1), count(fromShards, 2)));
    }

    private static long count(List<Integer> labels, int c) {
        return labels.stream().filter(l -> l == c).count();
    }

    @Test
    void partitionsAreDisjointAndCompleteForTwoAndThreeWorkersAndChangeWithTheEpoch() {
        StreamingDataset d = StreamingDataset.open(folder.toString(), options("image-folder", false), 0.0, 3, 0, 0);
        for (int workers : new int[] {2, 3}) {
            Set<Unit> seen = new HashSet<>();
            int total = 0;
            for (int w = 0; w < workers; w++) {
                List<Unit> mine = StreamingDataset.partition(d.train(), 9, 1, w, workers);
                assertTrue(Math.abs(mine.size() - d.train().size() / (double) workers) <= 1);
                seen.addAll(mine);
                total += mine.size();
            }
            assertEquals(d.train().size(), total, "disjoint");
            assertEquals(new HashSet<>(d.train()), seen, "complete");
        }
        assertNotEquals(StreamingDataset.partition(d.train(), 9, 0, 0, 2), StreamingDataset.partition(d.train(), 9, 1, 0, 2));
        assertEquals(StreamingDataset.partition(d.train(), 9, 1, 0, 2), StreamingDataset.partition(d.train(), 9, 1, 0, 2));
    }

    @Test
    void trainingBatchesAreTheSameForTheSameSeedWhateverTheThreads() {
        StreamingDataset d = StreamingDataset.open(folder.toString(), options("image-folder", false), 0.0, 3, 0, 0);
        float[] a = firstBatch(d, 1, 7, 0);
        float[] b = firstBatch(d, 4, 7, 0);
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, firstBatch(d, 2, 8, 0)), "another seed augments differently");
        assertFalse(java.util.Arrays.equals(a, firstBatch(d, 2, 7, 1)), "another epoch augments differently");
    }

    private static float[] firstBatch(StreamingDataset d, int threads, long seed, int epoch) {
        StreamOptions o = new StreamOptions("image-folder", 16, 3, 0, 0, false, threads, 8);
        try (StreamingBatches batches = new StreamingBatches(d.train(), o, CLASSES, 36, Normalizer.UNIT, true, seed,
                epoch, new AtomicLong())) {
            return batches.next().getFeatures().data().asFloat();
        }
    }

    @Test
    void aCorruptJpegFailsWithItsNameOrIsSkippedAndCounted(@TempDir Path dir) throws IOException {
        SyntheticImageFolder.write(dir, 2, 3, 2, 20, 30, "jpg", 2);
        Path victim = dir.resolve("val/class-01/img-00001.JPEG");
        byte[] bytes = Files.readAllBytes(victim);
        Files.write(victim, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        StreamingDataset fail = StreamingDataset.open(dir.toString(), options("image-folder", false), 0, 1, 0, 0);
        DatasetException e = assertThrows(DatasetException.class, () -> labels(new StreamingBatches(fail.test(),
                fail.options(), 2, 2, Normalizer.UNIT, false, 0, 0, new AtomicLong())));
        assertTrue(e.getMessage().contains("img-00001.JPEG") && e.getMessage().contains("skip-corrupt"), e.getMessage());

        StreamingDataset skip = StreamingDataset.open(dir.toString(), options("image-folder", true), 0, 1, 0, 0);
        AtomicLong corrupt = new AtomicLong();
        assertEquals(3, labels(new StreamingBatches(skip.test(), skip.options(), 2, 2, Normalizer.UNIT, false, 0, 0,
                corrupt)).size());
        assertEquals(1, corrupt.get());
    }

    @Test
    void aTruncatedShardFailsWithItsNameOrIsSkippedAndCounted(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("shards");
        ImageFolderToTfRecord.convert(folder.toString(), out.toString(), 9, 1, 5);
        Path victim = out.resolve("train-00002-of-00004");
        byte[] bytes = Files.readAllBytes(victim);
        Files.write(victim, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        DatasetException e = assertThrows(DatasetException.class,
                () -> StreamingDataset.open(out.toString(), options("tfrecord", false), 0, 1, 0, 0));
        assertTrue(e.getMessage().contains("train-00002-of-00004") && e.getMessage().contains("truncated"),
                e.getMessage());

        StreamingDataset skip = StreamingDataset.open(out.toString(), options("tfrecord", true), 0, 1, 0, 0);
        AtomicLong corrupt = new AtomicLong();
        List<Integer> read = labels(new StreamingBatches(skip.train(), skip.options(), CLASSES, 4, Normalizer.UNIT,
                false, 0, 0, corrupt));
        assertEquals(1, corrupt.get());
        assertEquals(35, read.size(), "the shard's 8 complete records are read, the torn one is skipped");
    }

    @Test
    void labelsOutsideTheClassesNameTheLabelOffsetKey() {
        StreamOptions zeroBased = new StreamOptions("tfrecord", 16, 3, CLASSES, 0, false, 1, 8);
        StreamingDataset d = StreamingDataset.open(shards.toString(), zeroBased, 0, 1, 0, 0);
        DatasetException e = assertThrows(DatasetException.class, () -> labels(new StreamingBatches(d.test(),
                d.options(), CLASSES, 4, Normalizer.UNIT, false, 0, 0, new AtomicLong())));
        assertTrue(e.getMessage().contains("pocketflow.data.label-offset"), e.getMessage());
    }
}
