package org.pocketflow.qsgd.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pocketflow.qsgd.CorruptMessageException;

class BitStreamTest {

    private static byte[] bytes(BitWriter w) {
        w.finish();
        byte[] b = new byte[w.byteCount()];
        w.copyTo(b, 0);
        return b;
    }

    @Test
    void mixedCodesReadBackExactly() {
        SplittableRandom r = new SplittableRandom(1);
        int n = 20_000;
        int[] kind = new int[n];
        int[] value = new int[n];
        int[] param = new int[n];
        BitWriter w = new BitWriter();
        for (int i = 0; i < n; i++) {
            kind[i] = r.nextInt(4);
            switch (kind[i]) {
                case 0 -> {
                    param[i] = r.nextInt(33);
                    value[i] = (int) (r.nextLong() & ((1L << param[i]) - 1));
                    w.write(value[i] & 0xFFFFFFFFL, param[i]);
                }
                case 1 -> { value[i] = r.nextInt(200); w.writeUnary(value[i]); }
                case 2 -> { param[i] = r.nextInt(16); value[i] = r.nextInt(5000); w.writeRice(value[i], param[i]); }
                default -> { value[i] = 1 + r.nextInt(1 << r.nextInt(30)); w.writeGamma(value[i]); }
            }
        }
        byte[] b = bytes(w);
        BitReader in = new BitReader(b, 0, b.length);
        for (int i = 0; i < n; i++) {
            int got = switch (kind[i]) {
                case 0 -> in.read(param[i]);
                case 1 -> in.readUnary(200);
                case 2 -> in.readRice(param[i], 5000);
                default -> in.readGamma(Integer.MAX_VALUE);
            };
            assertEquals(value[i], got, "code " + i + " kind " + kind[i]);
        }
        assertTrue(in.exhausted());
    }

    @Test
    void readingPastTheEndIsACorruptMessage() {
        BitWriter w = new BitWriter();
        w.write(0, 20);
        byte[] b = bytes(w);
        BitReader in = new BitReader(b, 0, b.length);
        var e = assertThrows(CorruptMessageException.class, () -> in.readUnary(1000));
        assertEquals(CorruptMessageException.Reason.BAD_PAYLOAD, e.reason());
    }

    @Test
    void valuesBeyondTheirRangeAreCorruptMessages() {
        BitWriter w = new BitWriter();
        w.writeRice(100, 2);
        w.writeGamma(9);
        byte[] b = bytes(w);
        assertThrows(CorruptMessageException.class, () -> new BitReader(b, 0, b.length).readRice(2, 99));
        BitReader in = new BitReader(b, 0, b.length);
        in.readRice(2, 100);
        assertThrows(CorruptMessageException.class, () -> in.readGamma(8));
    }

    @Test
    void runLengthBucketsRoundTripAndShrinkSparseLevels() {
        SplittableRandom r = new SplittableRandom(3);
        int len = 512;
        int[] levels = new int[len];
        for (int j = 0; j < len; j++) {
            int u = r.nextInt(100);
            levels[j] = u < 90 ? 0 : u < 98 ? (r.nextBoolean() ? 1 : -1) : r.nextInt(-7, 8);
        }
        levels[len - 1] = 5;
        BitWriter w = new BitWriter();
        long[] masks = new long[RunLengthCoding.maskWords(len)];
        RunLengthCoding.writeBucket(levels, len, 7, masks, w);
        RunLengthCoding.writeBucket(new int[len], len, 7, masks, w);
        byte[] b = bytes(w);
        assertTrue(b.length * 8 < 0.6 * 2 * len, "1,024 sparse levels should cost under 0.6 bits each"
                + " (4 at fixed width), got " + b.length * 8 + " bits");
        BitReader in = new BitReader(b, 0, b.length);
        float[] out = new float[2 * len];
        RunLengthCoding.readBucket(in, len, 7, false, 1f, out, 0, false);
        RunLengthCoding.readBucket(in, len, 7, false, 1f, out, len, false);
        assertTrue(in.exhausted());
        for (int j = 0; j < len; j++) {
            assertEquals(levels[j], out[j], 0f);
            assertEquals(0f, out[len + j], 0f);
        }
    }

    @Test
    void runLengthRoundTripsAtEveryDensityLengthAndMagnitude() {
        SplittableRandom r = new SplittableRandom(11);
        for (int trial = 0; trial < 400; trial++) {
            int len = 1 + r.nextInt(3000);
            double density = Math.pow(10, -r.nextDouble(0, 4));
            int maxLevel = trial % 3 == 0 ? 1 : trial % 3 == 1 ? 7 : 32767;
            int s = trial % 6 == 0 ? 1 : 32767;
            int buckets = 1 + r.nextInt(3);
            int[][] levels = new int[buckets][len];
            BitWriter w = new BitWriter();
            long[] masks = new long[RunLengthCoding.maskWords(len)];
            for (int[] bucket : levels) {
                for (int j = 0; j < len; j++) {
                    bucket[j] = r.nextDouble() < density ? (r.nextBoolean() ? 1 : -1) * (1 + r.nextInt(maxLevel)) : 0;
                }
                RunLengthCoding.writeBucket(bucket, len, s, masks, w);
            }
            byte[] b = bytes(w);
            BitReader in = new BitReader(b, 0, b.length);
            float[] out = new float[len];
            for (int[] bucket : levels) {
                RunLengthCoding.readBucket(in, len, s, false, 1f, out, 0, false);
                for (int j = 0; j < len; j++) {
                    assertEquals(bucket[j], out[j], 0f, "trial " + trial + ", element " + j);
                }
            }
            assertTrue(in.exhausted(), "trial " + trial);
        }
    }

    @Test
    void fixedWidthSymbolsRoundTripAtEveryWidth() {
        for (int s : new int[] {1, 2, 7, 8, 127, 128, 32767}) {
            int width = FixedWidthPacking.widthFor(2 * s + 1);
            assertTrue(width >= 2 && 64 % width == 0 && (1 << width) >= 2 * s + 1, "s=" + s + " width " + width);
            int len = 200;
            int[] levels = new int[len];
            SplittableRandom r = new SplittableRandom(s);
            for (int j = 0; j < len; j++) {
                levels[j] = r.nextInt(-s, s + 1);
            }
            byte[] b = new byte[FixedWidthPacking.bytesFor(len, width)];
            FixedWidthPacking.pack(levels, len, s, width, b, 0);
            float[] out = new float[len];
            FixedWidthPacking.unpack(b, 0, len, width, s, 1f, out, 0, false);
            float[] expected = new float[len];
            for (int j = 0; j < len; j++) {
                expected[j] = levels[j];
            }
            assertArrayEquals(expected, out, "s=" + s);
        }
    }
}
