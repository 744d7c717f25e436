package org.pocketflow.qsgd.kernel;

/**
 * The bitmap mode of {@link RunLengthCoding} for ternary levels (s = 1): per group of 64 levels
 * (the last group shorter), one bit per level (1 = nonzero), then one sign bit per nonzero of the
 * group (1 = negative). Costs {@code len + nonzero} bits whatever the gaps, which for dense
 * buckets is no more than the run-length code, and neither writing nor reading walks a chain
 * of variable-length codes: the writer copies the nonzero masks and gathers the signs, the reader
 * scatters them, and validating is counting bits.
 */
final class NonzeroBitmap {

    private NonzeroBitmap() {
    }

    /**
     * Appends {@code levels[0, len)}, all in [-1, 1], whose nonzero masks {@code masks} already
     * holds (as {@link RunLengthCoding#writeBucket} builds them).
     */
    static void write(int[] levels, int len, long[] masks, BitWriter out) {
        for (int base = 0, w = 0; base < len; base += 64, w++) {
            long mask = masks[w];
            out.write(mask, Math.min(64, len - base));
            long signs = 0;
            int count = 0;
            for (long m = mask; m != 0; m &= m - 1, count++) {
                signs |= (long) (levels[base + Long.numberOfTrailingZeros(m)] >>> 31) << count;
            }
            out.write(signs, count);
        }
    }

    /**
     * Reads one bucket of {@code len} levels and writes {@code level * unit} into {@code out[off,
     * off+len)} (or adds it when {@code add}; the caller has zeroed the range otherwise); with
     * {@code out == null} it only consumes the bits, failing where the stream ends early. Every
     * bit pattern is a valid bucket, so that is the only check.
     */
    static void read(BitReader in, int len, float unit, float[] out, int off, boolean add) {
        int unitBits = Float.floatToRawIntBits(unit);
        for (int base = 0; base < len; base += 64) {
            int width = Math.min(64, len - base);
            long mask = in.peek() & -1L >>> (64 - width);
            int count = Long.bitCount(mask);
            if (out == null) {
                in.skip(width + count);
                continue;
            }
            in.skip(width);
            long signs = in.peek();
            in.skip(count);
            int at = off + base;
            for (long m = mask; m != 0; m &= m - 1, signs >>>= 1) {
                int j = at + Long.numberOfTrailingZeros(m);
                float v = Float.intBitsToFloat(unitBits ^ (int) signs << 31);
                out[j] = add ? out[j] + v : v;
            }
        }
    }
}
