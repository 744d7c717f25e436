package org.pocketflow.qsgd.kernel;

import org.pocketflow.qsgd.CorruptMessageException;

/**
 * Reads what {@link BitWriter} wrote from {@code byte[]} words, through a 64-bit window: each
 * code is decoded from one {@link #peek()} (a count of trailing zeros and a shift) and then
 * skipped. Every skip checks the end of the stream and every decoded value's range is checked,
 * so a malformed stream ends in a {@link CorruptMessageException}, never in an endless loop or
 * an index out of bounds.
 */
public final class BitReader {

    private final byte[] src;
    private final int start;
    private final int words;
    private final long endBit;
    private long pos;

    /** A reader of {@code src[off, off+length)}, {@code length} a multiple of 8. */
    public BitReader(byte[] src, int off, int length) {
        this.src = src;
        this.start = off;
        this.words = length >>> 3;
        this.endBit = 64L * words;
    }

    /** The next 64 bits, least significant first; bits past the end read as zero. */
    long peek() {
        int w = (int) (pos >>> 6);
        int shift = (int) pos & 63;
        if (w + 1 < words) {
            int at = start + (w << 3);
            return LittleEndian.getLong(src, at) >>> shift | (LittleEndian.getLong(src, at + 8) << 1) << (63 - shift);
        }
        long lo = word(w) >>> shift;
        return shift == 0 ? lo : lo | word(w + 1) << (64 - shift);
    }

    /** Consumes {@code n} bits. */
    void skip(int n) {
        pos += n;
        if (pos > endBit) {
            throw corrupt("bit stream ends early");
        }
    }

    /** Reads {@code n} bits, {@code 0 <= n <= 32}. */
    public int read(int n) {
        int v = (int) (peek() & mask(n));
        skip(n);
        return v;
    }

    /** Reads zeros up to and including a one and returns their count, failing beyond {@code max}. */
    public int readUnary(int max) {
        long b = peek();
        int q = 0;
        while (b == 0) {
            q += 64;
            skip(64);
            if (q > max) {
                throw corrupt("unary code longer than " + max);
            }
            b = peek();
        }
        q += Long.numberOfTrailingZeros(b);
        if (q > max) {
            throw corrupt("unary code longer than " + max);
        }
        skip(Long.numberOfTrailingZeros(b) + 1);
        return q;
    }

    /** Reads a Golomb-Rice code with parameter {@code k}, failing if the value exceeds {@code max}. */
    public int readRice(int k, int max) {
        long b = peek();
        int q = Long.numberOfTrailingZeros(b);
        int v;
        if (q + 1 + k <= 64) {
            if (q > (max >>> k)) {
                throw corrupt("Rice quotient " + q + " exceeds " + (max >>> k));
            }
            v = (q << k) | (int) ((b >>> (q + 1)) & mask(k));
            skip(q + 1 + k);
        } else {
            v = (readUnary(max >>> k) << k) | read(k);
        }
        if (v > max) {
            throw corrupt("Rice-coded value " + v + " exceeds " + max);
        }
        return v;
    }

    /** Reads an Elias-gamma code, failing if the value exceeds {@code max}. */
    public int readGamma(int max) {
        long b = peek();
        int n = Long.numberOfTrailingZeros(b);
        int v;
        if (n <= 30) {
            v = (1 << n) | (int) ((b >>> (n + 1)) & mask(n));
            skip(2 * n + 1);
        } else {
            throw corrupt("gamma code longer than 61 bits");
        }
        if (v > max) {
            throw corrupt("gamma-coded value " + v + " exceeds " + max);
        }
        return v;
    }

    /** Whether no whole unread word remains (only padding in the last word). */
    public boolean exhausted() {
        return (pos + 63) >>> 6 == words;
    }

    private long word(int i) {
        return i < words ? LittleEndian.getLong(src, start + (i << 3)) : 0L;
    }

    private static long mask(int n) {
        return (1L << n) - 1;
    }

    CorruptMessageException corrupt(String what) {
        return new CorruptMessageException(CorruptMessageException.Reason.BAD_PAYLOAD, what + " at bit " + pos);
    }
}
