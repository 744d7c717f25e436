package org.pocketflow.qsgd.kernel;

import java.util.Arrays;

/**
 * A growable bit stream, least-significant bit first within little-endian 64-bit words, with the
 * prefix codes the entropy coders use. Reusable: {@link #reset()} keeps the storage, so an
 * encoder that owns one allocates only while its messages grow.
 */
public final class BitWriter {

    private long[] words = new long[64];
    private int size;
    private long cur;
    private int used;

    /** Empties the stream, keeping its storage. */
    public void reset() {
        size = 0;
        cur = 0;
        used = 0;
    }

    /** Appends the low {@code n} bits of {@code bits}, {@code 0 <= n <= 64}; higher bits must be zero. */
    public void write(long bits, int n) {
        cur |= bits << used;
        used += n;
        if (used >= 64) {
            push(cur);
            used -= 64;
            cur = used == 0 ? 0 : bits >>> (n - used);
        }
    }

    /** Appends {@code q} zeros and a one. */
    public void writeUnary(int q) {
        while (q >= 63) {
            write(0, 63);
            q -= 63;
        }
        write(1L << q, q + 1);
    }

    /** Golomb-Rice code of {@code v >= 0} with parameter {@code k}: unary(v >> k), then the low k bits. */
    public void writeRice(int v, int k) {
        int q = v >>> k;
        if (q + 1 + k <= 64) {
            write(rice(v, k), q + 1 + k);
        } else {
            writeUnary(q);
            write(v & ((1L << k) - 1), k);
        }
    }

    /** Elias-gamma code of {@code v >= 1}: unary(floor(log2 v)), then the bits below the leading one. */
    public void writeGamma(int v) {
        int n = 31 - Integer.numberOfLeadingZeros(v);
        write(gamma(v), 2 * n + 1);
    }

    /** The Rice codeword of {@code v} as bits, valid when {@code (v >>> k) + 1 + k <= 64}. */
    static long rice(int v, int k) {
        int q = v >>> k;
        return 1L << q | (v & ((1L << k) - 1)) << (q + 1);
    }

    /** The gamma codeword of {@code v >= 1} as bits; its length is {@code 2 floor(log2 v) + 1 <= 61}. */
    static long gamma(int v) {
        int n = 31 - Integer.numberOfLeadingZeros(v);
        return 1L << n | (long) (v & ((1 << n) - 1)) << (n + 1);
    }

    /** Flushes the partial word; the stream is then {@link #wordCount()} words long. */
    public void finish() {
        if (used > 0) {
            push(cur);
            cur = 0;
            used = 0;
        }
    }

    /** Words written so far (call {@link #finish()} first). */
    public int wordCount() {
        return size;
    }

    /** Bytes of the finished stream. */
    public int byteCount() {
        return size << 3;
    }

    /** Copies the finished stream to {@code dst[off]}. */
    public void copyTo(byte[] dst, int off) {
        for (int i = 0; i < size; i++, off += 8) {
            LittleEndian.putLong(dst, off, words[i]);
        }
    }

    private void push(long w) {
        if (size == words.length) {
            words = Arrays.copyOf(words, size * 2);
        }
        words[size++] = w;
    }
}
