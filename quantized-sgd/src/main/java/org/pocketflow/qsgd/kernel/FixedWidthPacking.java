package org.pocketflow.qsgd.kernel;

/**
 * Symbols of {@code width} bits, {@code width} in {1, 2, 4, 8, 16}, in lane-interleaved blocks:
 * a block is eight little-endian int32 lanes holding {@code 8 * 32/width} symbols; symbol
 * {@code t} of a block sits in lane {@code t % 8} at bit {@code (t / 8) * width}. This is the
 * layout of SIMD-BP128 (Lemire and Boytsov, "Decoding billions of integers per second through
 * vectorization", Software: Practice and Experience 45(1), 2015) widened to eight lanes:
 * packing and unpacking are then lane-wise shifts and masks of whole vectors, with no cross-lane
 * work ({@link VectorKernels}); the plain loops read and write the same layout. A run of symbols
 * ends in a zero-padded block.
 */
public final class FixedWidthPacking {

    private static final int LANES = 8;

    private FixedWidthPacking() {
    }

    /** Symbols per block at this width. */
    public static int blockSymbols(int width) {
        return LANES * (32 / width);
    }

    /** Bytes that {@code count} symbols of {@code width} bits occupy (whole 32-byte blocks). */
    public static int bytesFor(int count, int width) {
        int block = blockSymbols(width);
        return (count / block + (count % block == 0 ? 0 : 1)) * 4 * LANES;
    }

    /** The smallest width in {1, 2, 4, 8, 16} that holds {@code symbols} distinct symbols. */
    public static int widthFor(int symbols) {
        int bits = 32 - Integer.numberOfLeadingZeros(Math.max(1, symbols - 1));
        int w = 1;
        while (w < bits) {
            w <<= 1;
        }
        if (w > 16) {
            throw new IllegalArgumentException(symbols + " symbols need more than 16 bits");
        }
        return w;
    }

    /** Packs {@code levels[0, len) + offset} (each in [0, 2^width)) at {@code dst[off]}. */
    public static void pack(int[] levels, int len, int offset, int width, byte[] dst, int off) {
        int done = Simd.ENABLED ? VectorKernels.pack(levels, len, offset, width, dst, off) : 0;
        packScalar(levels, done, len, offset, width, dst, off);
    }

    /** The plain loop, from element {@code from} (a block boundary) on. */
    static void packScalar(int[] levels, int from, int len, int offset, int width, byte[] dst, int off) {
        int slots = 32 / width;
        int block = LANES * slots;
        for (int j = from, at = off + from / block * 4 * LANES; j < len; j += block) {
            for (int lane = 0; lane < LANES; lane++, at += 4) {
                int word = 0;
                for (int slot = 0, t = j + lane; slot < slots && t < len; slot++, t += LANES) {
                    word |= (levels[t] + offset) << (slot * width);
                }
                LittleEndian.putInt(dst, at, word);
            }
        }
    }

    /**
     * Unpacks {@code len} symbols from {@code src[off]} and writes {@code (symbol - offset) * unit}
     * into {@code out[outOff, outOff+len)}, or adds it there when {@code add}.
     */
    public static void unpack(byte[] src, int off, int len, int width, int offset, float unit,
                              float[] out, int outOff, boolean add) {
        int done = Simd.ENABLED ? VectorKernels.unpack(src, off, len, width, offset, unit, out, outOff, add) : 0;
        unpackScalar(src, off, done, len, width, offset, unit, out, outOff, add);
    }

    /** The plain loop, from element {@code from} (a block boundary) on. */
    static void unpackScalar(byte[] src, int off, int from, int len, int width, int offset, float unit,
                             float[] out, int outOff, boolean add) {
        int slots = 32 / width;
        int block = LANES * slots;
        int mask = (int) ((1L << width) - 1);
        for (int j = from, at = off + from / block * 4 * LANES; j < len; j += block) {
            for (int lane = 0; lane < LANES; lane++, at += 4) {
                int word = LittleEndian.getInt(src, at);
                for (int slot = 0, t = j + lane; slot < slots && t < len; slot++, t += LANES) {
                    float v = (((word >>> (slot * width)) & mask) - offset) * unit;
                    out[outOff + t] = add ? out[outOff + t] + v : v;
                }
            }
        }
    }
}
