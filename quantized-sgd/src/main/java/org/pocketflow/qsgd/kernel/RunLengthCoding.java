package org.pocketflow.qsgd.kernel;

import java.util.Arrays;

/**
 * Run-length Golomb-Rice coding of one bucket of signed levels (the {@code RUN_LENGTH} level
 * coding; rationale in {@code org.pocketflow.qsgd.codec.LevelCoding}). Stream per bucket:
 * 4-bit Rice parameter {@code k}; for each nonzero level, Rice(zeros before it), gamma(|level|),
 * sign bit (1 = negative); then Rice(trailing zeros) if the bucket does not end on a nonzero.
 * Writing and reading are tuned for speed (masks of nonzero positions, a sliding 64-bit read
 * window); the stream they produce and accept is the same bit for bit as the golden files'.
 */
public final class RunLengthCoding {

    private RunLengthCoding() {
    }

    /** Scratch longs {@link #writeBucket} needs for a bucket of {@code len} levels. */
    public static int maskWords(int len) {
        return (len + 63) >>> 6;
    }

    /**
     * Appends {@code levels[0, len)} to {@code out}. One pass turns the levels into nonzero bit
     * masks, 64 levels to a word of {@code masks} (at least {@link #maskWords} long; eight lanes at
     * a time when {@link Simd#ENABLED}); their popcounts give the Rice parameter, and each
     * (run, magnitude, sign) triple goes out as one write.
     */
    public static void writeBucket(int[] levels, int len, long[] masks, BitWriter out) {
        int nonzero = 0;
        for (int base = 0, w = 0; base < len; base += 64, w++) {
            long mask = base + 64 <= len ? nonzeroMask64(levels, base) : nonzeroMaskTail(levels, base, len - base);
            masks[w] = mask;
            nonzero += Long.bitCount(mask);
        }
        int k = riceParameter(len - nonzero, nonzero);
        out.write(k, 4);
        int next = 0;
        for (int base = 0, w = 0; base < len; base += 64, w++) {
            long mask = masks[w];
            while (mask != 0) {
                int j = base + Long.numberOfTrailingZeros(mask);
                mask &= mask - 1;
                writeNonzero(out, j - next, k, levels[j]);
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

    private static void writeNonzero(BitWriter out, int run, int k, int level) {
        int q = run >>> k;
        int m = Math.abs(level);
        int n = 31 - Integer.numberOfLeadingZeros(m);
        int riceBits = q + 1 + k;
        int total = riceBits + 2 * n + 2;
        if (total <= 64) {
            out.write(BitWriter.rice(run, k) | BitWriter.gamma(m) << riceBits
                    | (long) (level >>> 31) << (total - 1), total);
        } else {
            out.writeRice(run, k);
            out.writeGamma(m);
            out.write(level >>> 31, 1);
        }
    }

    /**
     * Reads one bucket of {@code len} levels, each at most {@code s} in magnitude, and writes
     * {@code level * unit} into {@code out[off, off+len)} (or adds it when {@code add}); with
     * {@code out == null} it only validates.
     *
     * <p>The triples are decoded from a 64-bit window that is shifted along as codes are
     * consumed and refilled only when the next code does not fit in what is left of it (about
     * ten triples per refill at one bit in seven nonzero); a code longer than a whole window
     * goes through the general reads.
     *
     * @throws org.pocketflow.qsgd.CorruptMessageException if the stream is malformed
     */
    public static void readBucket(BitReader in, int len, int s, float unit, float[] out, int off, boolean add) {
        int k = in.read(4);
        if (out != null && !add) {
            Arrays.fill(out, off, off + len, 0f);
        }
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
                    j = readSlowly(in, k, len, s, unit, out, off, add, j);
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
            int n = Long.numberOfTrailingZeros(g);
            int total = used + 2 * n + 2;
            if (total > r) {
                if (r < 64) {
                    in.skip(64 - r);
                } else {
                    in.skip(used);
                    j = readLevel(in, s, unit, out, off, add, j + run);
                }
                b = in.peek();
                r = 64;
                continue;
            }
            int m = (1 << n) | (int) ((g >>> (n + 1)) & ((1L << n) - 1));
            if (m > s) {
                in.skip(64 - r);
                throw in.corrupt("level " + m + " exceeds s = " + s);
            }
            j += run;
            if (out != null) {
                int level = ((g >>> (2 * n + 1)) & 1) != 0 ? -m : m;
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
    private static int readSlowly(BitReader in, int k, int len, int s, float unit, float[] out, int off,
                                  boolean add, int j) {
        j += in.readRice(k, len - j);
        return j == len ? j : readLevel(in, s, unit, out, off, add, j);
    }

    private static int readLevel(BitReader in, int s, float unit, float[] out, int off, boolean add, int j) {
        int m = in.readGamma(s);
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
