package org.pocketflow.qsgd.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pocketflow.qsgd.CorruptMessageException;

/** The two modes of {@link RunLengthCoding} for ternary levels, version 1 streams, and damaged streams. */
class RunLengthCodingTest {

    private static byte[] bytes(BitWriter w) {
        w.finish();
        byte[] b = new byte[w.byteCount()];
        w.copyTo(b, 0);
        return b;
    }

    private static int[] ternary(SplittableRandom r, int len, double density) {
        int[] levels = new int[len];
        for (int j = 0; j < len; j++) {
            levels[j] = r.nextDouble() < density ? (r.nextBoolean() ? 1 : -1) : 0;
        }
        return levels;
    }

    private static byte[] encode(int[] levels, int s) {
        BitWriter w = new BitWriter();
        RunLengthCoding.writeBucket(levels, levels.length, s, new long[RunLengthCoding.maskWords(levels.length)], w);
        return bytes(w);
    }

    private static int nonzero(int[] levels) {
        return (int) Arrays.stream(levels).filter(l -> l != 0).count();
    }

    @Test
    void denseTernaryBucketsAreBitmapsAndSparseOnesRiceCodes() {
        SplittableRandom r = new SplittableRandom(5);
        for (double density : new double[] {0.02, 0.1, 0.2, 0.23, 0.3, 0.6, 1.0}) {
            for (int len : new int[] {64, 300, 512, 4096}) {
                int[] levels = ternary(r, len, density);
                int nonzero = nonzero(levels);
                byte[] b = encode(levels, 1);
                int mode = b[0] & 15;
                if (nonzero >= RunLengthCoding.BITMAP_MIN_DENSITY * len) {
                    assertEquals(RunLengthCoding.BITMAP, mode, density + " x " + len);
                    assertEquals((4 + len + nonzero + 63) / 64 * 8, b.length, "a bitmap costs one bit per level and per sign");
                } else {
                    assertTrue(mode < RunLengthCoding.BITMAP, density + " x " + len);
                }
                float[] out = new float[len + 3];
                Arrays.fill(out, 7f);
                BitReader in = new BitReader(b, 0, b.length);
                RunLengthCoding.readBucket(in, len, 1, false, 0.5f, out, 3, false);
                assertTrue(in.exhausted());
                assertEquals(7f, out[2], 0f, "nothing before the bucket");
                for (int j = 0; j < len; j++) {
                    assertEquals(0.5f * levels[j], out[3 + j], 0f, density + " x " + len + ", element " + j);
                }
            }
        }
    }

    @Test
    void bitmapBucketsAddIntoTheTarget() {
        SplittableRandom r = new SplittableRandom(6);
        int len = 700;
        int[] levels = ternary(r, len, 0.4);
        byte[] b = encode(levels, 1);
        assertEquals(RunLengthCoding.BITMAP, b[0] & 15);
        float[] acc = new float[len];
        for (int j = 0; j < len; j++) {
            acc[j] = j;
        }
        RunLengthCoding.readBucket(new BitReader(b, 0, b.length), len, 1, false, 2f, acc, 0, true);
        for (int j = 0; j < len; j++) {
            assertEquals(j + 2f * levels[j], acc[j], 0f, "element " + j);
        }
    }

    @Test
    void ternaryRiceCodesCarryNoMagnitudes() {
        int len = 512;
        int[] levels = new int[len];
        levels[10] = -1;
        levels[300] = 1;
        BitWriter reference = new BitWriter();
        int k = RunLengthCoding.riceParameter(len - 2, 2);
        reference.write(k, 4);
        reference.writeRice(10, k);
        reference.write(1, 1);
        reference.writeRice(289, k);
        reference.write(0, 1);
        reference.writeRice(211, k);
        assertArrayEquals(bytes(reference), encode(levels, 1));
    }

    @Test
    void versionOneStreamsKeepTheirMagnitudesAndReadModeFifteenAsRice() {
        int len = 100;
        BitWriter w = new BitWriter();
        w.write(1, 4);
        w.writeRice(3, 1);
        w.writeGamma(1);
        w.write(1, 1);
        w.writeRice(96, 1);
        w.write(15, 4);
        w.writeRice(50, 15);
        w.writeGamma(1);
        w.write(0, 1);
        w.writeRice(49, 15);
        byte[] b = bytes(w);
        float[] out = new float[2 * len];
        BitReader in = new BitReader(b, 0, b.length);
        RunLengthCoding.readBucket(in, len, 1, true, 1f, out, 0, false);
        RunLengthCoding.readBucket(in, len, 1, true, 1f, out, len, false);
        assertTrue(in.exhausted());
        float[] expected = new float[2 * len];
        expected[3] = -1;
        expected[len + 50] = 1;
        assertArrayEquals(expected, out);
    }

    @Test
    void aBitmapBucketWithMoreThanTernaryLevelsIsCorrupt() {
        byte[] b = encode(ternary(new SplittableRandom(7), 256, 0.5), 1);
        var e = assertThrows(CorruptMessageException.class,
                () -> RunLengthCoding.readBucket(new BitReader(b, 0, b.length), 256, 3, false, 1f, null, 0, false));
        assertTrue(e.getMessage().contains("bitmap"), e.getMessage());
    }

    @Test
    void truncatedStreamsOfEitherModeAreCorruptMessages() {
        SplittableRandom r = new SplittableRandom(8);
        for (double density : new double[] {0.05, 0.15, 0.25, 0.5, 1.0}) {
            int len = 1024;
            int[] levels = ternary(r, len, density);
            BitWriter w = new BitWriter();
            long[] masks = new long[RunLengthCoding.maskWords(len)];
            RunLengthCoding.writeBucket(levels, len, 1, masks, w);
            RunLengthCoding.writeBucket(levels, len, 1, masks, w);
            byte[] b = bytes(w);
            for (int words = 0; words < b.length / 8; words++) {
                BitReader in = new BitReader(b, 0, 8 * words);
                float[] out = new float[len];
                assertThrows(CorruptMessageException.class, () -> {
                    RunLengthCoding.readBucket(in, len, 1, false, 1f, out, 0, false);
                    RunLengthCoding.readBucket(in, len, 1, false, 1f, out, 0, false);
                }, density + ", " + words + " of " + b.length / 8 + " words");
            }
        }
    }

    @Test
    void randomStreamsFailOnlyAsCorruptMessages() {
        SplittableRandom r = new SplittableRandom(9);
        int failures = 0;
        for (int trial = 0; trial < 3000; trial++) {
            byte[] b = new byte[8 * (1 + r.nextInt(40))];
            r.nextBytes(b);
            if (trial % 2 == 0) {
                b[0] = (byte) (b[0] | RunLengthCoding.BITMAP);
            }
            int len = 1 + r.nextInt(1500);
            int s = trial % 3 == 0 ? 3 : 1;
            BitReader in = new BitReader(b, 0, b.length);
            try {
                RunLengthCoding.readBucket(in, len, s, trial % 5 == 0, 1f, trial % 4 < 2 ? null : new float[len], 0,
                        trial % 4 == 3);
            } catch (CorruptMessageException e) {
                failures++;
            }
        }
        assertTrue(failures > 100, failures + " of 3000 random streams failed");
    }
}
