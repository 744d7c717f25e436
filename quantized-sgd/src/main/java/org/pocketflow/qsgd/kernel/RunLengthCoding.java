package org.pocketflow.qsgd.kernel;

import java.util.Arrays;

/**
 * Run-length Golomb-Rice coding of one bucket of signed levels (the {@code RUN_LENGTH} level
 * coding; rationale in {@code org.pocketflow.qsgd.codec.LevelCoding}). Stream per bucket:
 * 4-bit Rice parameter {@code k}; for each nonzero level, Rice(zeros before it), gamma(|level|),
 * sign bit (1 = negative); then Rice(trailing zeros) if the bucket does not end on a nonzero.
 */
public final class RunLengthCoding {

    private RunLengthCoding() {
    }

    /**
     * Appends {@code levels[0, len)} to {@code out}. Nonzero positions are found 64 at a time
     * from a branch-free bit mask, and each (run, magnitude, sign) triple goes out as one write.
     */
    public static void writeBucket(int[] levels, int len, BitWriter out) {
        int nonzero = 0;
        for (int j = 0; j < len; j++) {
            nonzero += (levels[j] | -levels[j]) >>> 31;
        }
        int k = riceParameter(len - nonzero, nonzero);
        out.write(k, 4);
        int next = 0;
        for (int base = 0; base < len; base += 64) {
            int count = Math.min(64, len - base);
            long mask = 0;
            for (int t = 0; t < count; t++) {
                mask |= (long) ((levels[base + t] | -levels[base + t]) >>> 31) << t;
            }
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
     * @throws org.pocketflow.qsgd.CorruptMessageException if the stream is malformed
     */
    public static void readBucket(BitReader in, int len, int s, float unit, float[] out, int off, boolean add) {
        int k = in.read(4);
        if (out != null && !add) {
            Arrays.fill(out, off, off + len, 0f);
        }
        int j = 0;
        while (j < len) {
            // fast path: the whole (run, magnitude, sign) triple decoded from one 64-bit window
            long b = in.peek();
            int q = Long.numberOfTrailingZeros(b);
            int used = q + 1 + k;
            if (used > 64 - 32) {
                j = readSlowly(in, k, len, s, unit, out, off, add, j);
                continue;
            }
            int run = (q << k) | (int) ((b >>> (q + 1)) & ((1L << k) - 1));
            if (run > len - j) {
                throw in.corrupt("run of " + run + " zeros overshoots the bucket by " + (run - len + j));
            }
            j += run;
            if (j == len) {
                in.skip(used);
                break;
            }
            long g = b >>> used;
            int n = Long.numberOfTrailingZeros(g);
            if (n > 14) {
                in.skip(used);
                j = readLevel(in, s, unit, out, off, add, j);
                continue;
            }
            int m = (1 << n) | (int) ((g >>> (n + 1)) & ((1L << n) - 1));
            if (m > s) {
                throw in.corrupt("level " + m + " exceeds s = " + s);
            }
            int level = ((g >>> (2 * n + 1)) & 1) != 0 ? -m : m;
            in.skip(used + 2 * n + 2);
            if (out != null) {
                float v = level * unit;
                out[off + j] = add ? out[off + j] + v : v;
            }
            j++;
        }
    }

    /** One (run, level) pair through the general reads, for codes too long for the window. */
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
