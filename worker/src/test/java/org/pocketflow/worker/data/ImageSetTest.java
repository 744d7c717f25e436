package org.pocketflow.worker.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

class ImageSetTest {
    private static final ImageShape SHAPE = new ImageShape(1, 3, 2);
    private static final int N = 103;

    /** Image i has every pixel equal to i, so an image's identity survives any reordering. */
    private static ImageSet numbered(int n) {
        byte[] pixels = new byte[n * SHAPE.pixels()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i / SHAPE.pixels());
        }
        return ImageSet.of(SHAPE, 10, pixels, IdxFiles.cyclicLabels(n, 10));
    }

    private static Set<Integer> ids(ImageSet set) {
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < set.size(); i++) {
            ids.add(set.image(i)[0] & 0xFF);
        }
        return ids;
    }

    private static List<Integer> idsInBatchOrder(Iterator<DataSet> batches) {
        List<Integer> ids = new ArrayList<>();
        while (batches.hasNext()) {
            DataSet batch = batches.next();
            for (int r = 0; r < batch.numExamples(); r++) {
                ids.add(Math.round(batch.getFeatures().getFloat(r, 0, 0, 0) * 255f));
            }
        }
        return ids;
    }

    @Test
    void copiesItsInputSoLaterChangesDoNotLeakIn() {
        byte[] pixels = new byte[SHAPE.pixels()];
        ImageSet set = ImageSet.of(SHAPE, 10, pixels, new byte[] {1});
        pixels[0] = 9;
        set.image(0)[0] = 9;
        assertEquals(0, set.image(0)[0]);
    }

    @Test
    void rejectsLabelsOutsideTheClasses() {
        assertThrows(IllegalArgumentException.class,
                () -> ImageSet.of(SHAPE, 3, new byte[SHAPE.pixels()], new byte[] {3}));
    }

    @Test
    void limitAndSelectPickTheNamedImages() {
        ImageSet set = numbered(N);
        assertEquals(Set.of(0, 1, 2), ids(set.limit(3)));
        ImageSet picked = set.select(new int[] {5, 2, 5});
        assertEquals(5, picked.image(0)[0]);
        assertEquals(2, picked.image(1)[0]);
        assertEquals(2, picked.label(1));
        assertThrows(IndexOutOfBoundsException.class, () -> set.select(new int[] {N}));
    }

    @Test
    void splitIsDeterministicBySeedAndStratified() {
        ImageSet set = numbered(N * 2);
        ImageSet.Split a = set.split(0.2, 42);
        ImageSet.Split b = set.split(0.2, 42);
        assertEquals(a, b);
        assertEquals(set.size(), a.train().size() + a.validation().size());
        Set<Integer> overlap = ids(a.train());
        overlap.retainAll(ids(a.validation()));
        assertTrue(overlap.isEmpty());
        for (int count : a.validation().classCounts()) {
            assertTrue(count == 4 || count == 5, "per-class validation count " + count);
        }
    }

    @Test
    void splitDiffersForADifferentSeed() {
        ImageSet set = numbered(N * 2);
        assertNotEquals(ids(set.split(0.2, 42).validation()), ids(set.split(0.2, 43).validation()));
    }

    @Test
    void splitRejectsAFractionOutsideZeroToOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> numbered(N).split(1.0, 1));
        assertTrue(e.getMessage().contains("[0, 1), but got 1.0"), e.getMessage());
    }

    @Test
    void partitionsAreDisjointCoverAndDifferByAtMostOne() {
        ImageSet set = numbered(N);
        for (int count : new int[] {1, 2, 3, 7, N + 5}) {
            Set<Integer> seen = new HashSet<>();
            int min = Integer.MAX_VALUE;
            int max = 0;
            for (int p = 0; p < count; p++) {
                ImageSet part = set.partition(p, count);
                for (int id : ids(part)) {
                    assertTrue(seen.add(id), "image " + id + " in two partitions of " + count);
                }
                min = Math.min(min, part.size());
                max = Math.max(max, part.size());
            }
            assertEquals(N, seen.size());
            assertTrue(max - min <= 1, "sizes " + min + ".." + max + " for " + count + " partitions");
        }
    }

    @Test
    void batchOrderIsDeterministicPerSeedAndEpoch() {
        ImageSet set = numbered(N);
        List<Integer> epoch0 = idsInBatchOrder(set.batches(10, Normalizer.UNIT, 5, 0));
        assertEquals(epoch0, idsInBatchOrder(set.batches(10, Normalizer.UNIT, 5, 0)));
        assertNotEquals(epoch0, idsInBatchOrder(set.batches(10, Normalizer.UNIT, 5, 1)));
        assertNotEquals(epoch0, idsInBatchOrder(set.batches(10, Normalizer.UNIT, 6, 0)));
        assertEquals(N, new HashSet<>(epoch0).size());
    }

    @Test
    void unshuffledBatchesKeepTheSetsOrder() {
        List<Integer> ids = idsInBatchOrder(numbered(N).batchesInOrder(16, Normalizer.UNIT));
        for (int i = 0; i < N; i++) {
            assertEquals(i, ids.get(i));
        }
    }

    @Test
    void batchesAreNchwFloatsWithOneHotLabelsAndAPartialLastBatch() {
        ImageSet set = numbered(N);
        Normalizer norm = new Normalizer(0.5, 0.25);
        List<DataSet> batches = new ArrayList<>();
        set.batchesInOrder(50, norm).forEachRemaining(batches::add);
        assertEquals(set.batchCount(50), batches.size());
        assertArrayEquals(new long[] {50, 1, 3, 2}, batches.get(0).getFeatures().shape());
        assertArrayEquals(new long[] {3, 1, 3, 2}, batches.get(2).getFeatures().shape());
        assertArrayEquals(new long[] {3, 10}, batches.get(2).getLabels().shape());
        assertEquals(DataType.FLOAT, batches.get(0).getFeatures().dataType());
        assertEquals(DataType.FLOAT, batches.get(0).getLabels().dataType());
        // batch 0 must be intact after later batches reused the host buffers
        assertEquals(norm.apply(7), batches.get(0).getFeatures().getFloat(7, 0, 2, 1), 1e-6);
        assertEquals(norm.apply(102), batches.get(2).getFeatures().getFloat(2, 0, 0, 0), 1e-6);
        float[] oneHot = batches.get(2).getLabels().getRow(2).toFloatVector();
        assertArrayEquals(new float[] {0, 0, 1, 0, 0, 0, 0, 0, 0, 0}, oneHot);
        assertEquals(1.0, batches.get(1).getLabels().sumNumber().doubleValue() / 50, 1e-9);
    }

    @Test
    void emptyIteratorAfterTheLastBatch() {
        Iterator<DataSet> it = numbered(4).batches(4, Normalizer.UNIT, 1, 0);
        it.next();
        assertFalse(it.hasNext());
        assertThrows(java.util.NoSuchElementException.class, it::next);
    }
}
