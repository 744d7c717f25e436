package org.pocketflow.qsgd.kernel;

import java.util.Arrays;

/**
 * Run-length coding of one bucket of signed levels in [-s, s] (the {@code RUN_LENGTH} level
 * coding; rationale in {@code org.pocketflow.qsgd.codec.LevelCoding}). Stream per bucket, in wire
 * format version 2:
 *
 * <pre>
 * 4-bit mode
 * mode 0-14, Rice with k = mode: for each nonzero level, Rice(zeros before it, k), then
 *            gamma(|level|) if s &gt; 1 (with s = 1 every magnitude is 1), then a sign bit
 *            (1 = negative); then Rice(trailing zeros, k) if the bucket does not end on a nonzero
 * mode 15,   bitmap, only with s = 1: the nonzero bits and signs of {@link NonzeroBitmap}
 * </pre>
 *
 * Version 1 had no bitmap (mode 15 meant k = 15) and sent gamma(1) for every magnitude also
 * when s = 1; {@link #readBucket} still reads it.
 *
 * <p><b>Which mode.</b> Rice costs about {@code 1 + k + gap / 2^k} bits per nonzero (plus the
 * level), the bitmap {@code len / nonzero}, so the bitmap is as small as Rice only for buckets
 * about 30% nonzero; but each Rice code depends on where the previous one ended, so reading and
 * writing them is a serial chain of a few nanoseconds per nonzero, while the bitmap is copied and
 * scattered in bulk. The writer takes the bitmap from {@link #BITMAP_MIN_DENSITY} on (ECQ's
 * ternary levels on Gaussian gradients are about 25% nonzero): there it is no larger than version
 * 1's Rice code with its magnitude bit, for geometric gaps, so no message grows against version 1.
 */
public final class RunLengthCoding {

    /** The mode value of a bitmap bucket; Rice parameters are below it. */
    static final int BITMAP = 15;

    /**
     * A ternary bucket with at least this fraction of nonzero levels is written as a bitmap:
     * {@code len + nonzero} bits, against about {@code nonzero (3 + k + E[gap >> k])} for version
     * 1's Rice code, which is equal at 22% for geometric gaps (k = 1).
     */
    static final double BITMAP_MIN_DENSITY = 2.0 / 9;

    private RunLengthCoding() {
    }

    /** Scratch longs {@link #writeBucket} needs for a bucket of {@code len} levels. */
    public static int maskWords(int len) {
        return (len + 63) >>> 6;
    }

    /**
     * Appends {@code levels[0, len)}, each in [-s, s], to {@code out}. One pass turns the levels
     * into nonzero bit masks, 64 levels to a word of {@code masks} (at least {@link #maskWords}
     * long; eight lanes at a time when {@link Simd#ENABLED}); their popcounts choose the mode and
     * the Rice parameter, and each (run, magnitude, sign) triple goes out as one write.
     */
    public static void writeBucket(int[] levels, int len, int s, long[] masks, BitWriter out) {
        int nonzero = 0;
        for (int base = 0, w = 0; base < len; base += 64, w++) {
            long mask = base + 64 <= len ? nonzeroMask64(levels, base) : nonzeroMaskTail(levels, base, len - base);
            masks[w] = mask;
            nonzero += Long.bitCount(mask);
        }
        if (s == 1 && nonzero >= BITMAP_MIN_DENSITY * len) {
            out.write(BITMAP, 4);
            NonzeroBitmap.write(levels, len, masks, out);
            return;
        }
        int k = Math.min(BITMAP - 1, riceParameter(len - nonzero, nonzero));
        out.write(k, 4);
        boolean magnitudes = s > 1;
        int next = 0;
        for (int base = 0, w = 0; base < len; base += 64, w++) {
            long mask = masks[w];
            while (mask != 0) {
                int j = base + Long.numberOfTrailingZeros(mask);
                mask &= mask - 1;
                writeNonzero(out, j - next, k, levels[j], magnitudes);
                next = j + 1;
            }
        }
        if (next < len) {
            out.writeRice(len - next, k);
        }
    }

    private static long nonzeroMask64(int[] levels, int base) {
        if (Simd.ENABLED) {
            return VectorKernels.nonzeroBits32(levels, base) & 0xFFFF_FFFFL
                    | (long) VectorKernels.nonzeroBits32(levels, base + 32) << 32;
        }
        return nonzeroMaskTail(levels, base, 64);
    }

    private static long nonzeroMaskTail(int[] levels, int base, int count) {
        long mask = 0;
        for (int t = 0; t < count; t++) {
            mask |= (long) ((levels[base + t] | -levels[base + t]) >>> 31) << t;
        }
        return mask;
    }

    private static void writeNonzero(BitWriter out, int run, int k, int level, boolean magnitudes) {
        int q = run >>> k;
        int m = Math.abs(level);
        int riceBits = q + 1 + k;
        int gammaBits = magnitudes ? 2 * (31 - Integer.numberOfLeadingZeros(m)) + 1 : 0;
        int total = riceBits + gammaBits + 1;
        if (total <= 64) {
            long gamma = magnitudes ? BitWriter.gamma(m) << riceBits : 0;
            out.write(BitWriter.rice(run, k) | gamma | (long) (level >>> 31) << (total - 1), total);
        } else {
            out.writeRice(run, k);
            if (magnitudes) {
                out.writeGamma(m);
            }
            out.write(level >>> 31, 1);
        }
    }

    /**
     * Reads one bucket of {@code len} levels, each at most {@code s} in magnitude, and writes
     * {@code level * unit} into {@code out[off, off+len)} (or adds it when {@code add}); with
     * {@code out == null} it only validates.
     *
     * @param version1 whether the stream is wire format version 1 (no bitmap mode, magnitudes
     *     also when s = 1)
     * @throws org.pocketflow.qsgd.CorruptMessageException if the stream is malformed
     */
    public static void readBucket(BitReader in, int len, int s, boolean version1, float unit, float[] out, int off,
                                  boolean add) {
        int mode = in.read(4);
        if (out != null && !add) {
            Arrays.fill(out, off, off + len, 0f);
        }
        if (mode == BITMAP && !version1) {
            if (s != 1) {
                throw in.corrupt("bitmap bucket with s = " + s + "; the bitmap mode carries only s = 1");
            }
            NonzeroBitmap.read(in, len, unit, out, off, add);
        } else {
            readRice(in, mode, len, s, s > 1 || version1, unit, out, off, add);
        }
    }

    /**
     * The Rice triples of one bucket. They are decoded from a 64-bit window that is shifted along
     * as codes are consumed and refilled only when the next code does not fit in what is left of
     * it (about ten triples per refill at one bit in seven nonzero); a code longer than a whole
     * window goes through the general reads.
     */
    private static void readRice(BitReader in, int k, int len, int s, boolean magnitudes, float unit, float[] out,
                                 int off, boolean add) {
        long kMask = (1L << k) - 1;
        long b = in.peek();
        int r = 64;
        int j = 0;
        while (j < len) {
            int q = Long.numberOfTrailingZeros(b);
            int used = q + 1 + k;
            if (used > r) {
                if (r < 64) {
                    in.skip(64 - r);
                } else {
                    j = readSlowly(in, k, len, s, magnitudes, unit, out, off, add, j);
                }
                b = in.peek();
                r = 64;
                continue;
            }
            int run = (q << k) | (int) ((b >>> (q + 1)) & kMask);
            if (run > len - j) {
                in.skip(64 - r);
                throw in.corrupt("run of " + run + " zeros overshoots the bucket by " + (run - len + j));
            }
            if (run == len - j) {
                r -= used;
                break;
            }
            long g = b >>> used;
            int n = magnitudes ? Long.numberOfTrailingZeros(g) : 0;
            int gammaBits = magnitudes ? 2 * n + 1 : 0;
            int total = used + gammaBits + 1;
            if (total > r) {
                if (r < 64) {
                    in.skip(64 - r);
                } else {
                    in.skip(used);
                    j = readLevel(in, s, magnitudes, unit, out, off, add, j + run);
                }
                b = in.peek();
                r = 64;
                continue;
            }
            int m = magnitudes ? (1 << n) | (int) ((g >>> (n + 1)) & ((1L << n) - 1)) : 1;
            if (m > s) {
                in.skip(64 - r);
                throw in.corrupt("level " + m + " exceeds s = " + s);
            }
            j += run;
            if (out != null) {
                int level = ((g >>> gammaBits) & 1) != 0 ? -m : m;
                float v = level * unit;
                out[off + j] = add ? out[off + j] + v : v;
            }
            j++;
            r -= total;
            b = total == 64 ? 0 : b >>> total;
        }
        in.skip(64 - r);
    }

    /** One (run, level) pair through the general reads, for codes longer than a window. */
    private static int readSlowly(BitReader in, int k, int len, int s, boolean magnitudes, float unit, float[] out,
                                  int off, boolean add, int j) {
        j += in.readRice(k, len - j);
        return j == len ? j : readLevel(in, s, magnitudes, unit, out, off, add, j);
    }

    private static int readLevel(BitReader in, int s, boolean magnitudes, float unit, float[] out, int off,
                                 boolean add, int j) {
        int m = magnitudes ? in.readGamma(s) : 1;
        int level = in.read(1) != 0 ? -m : m;
        if (out != null) {
            float v = level * unit;
            out[off + j] = add ? out[off + j] + v : v;
        }
        return j + 1;
    }

    /** floor(log2(ln 2 * mean run)), the usual near-optimal Rice parameter for geometric runs. */
    public static int riceParameter(int zeros, int nonzero) {
        int scaledMean = (int) (zeros * 0.6931472f / (nonzero + 1));
        return scaledMean <= 1 ? 0 : Math.min(15, 31 - Integer.numberOfLeadingZeros(scaledMean));
    }
}
