package org.pocketflow.qsgd.codec;

import static org.pocketflow.qsgd.CorruptMessageException.Reason.BAD_PAYLOAD;
import static org.pocketflow.qsgd.CorruptMessageException.Reason.WRONG_LENGTH;

import java.io.Serializable;
import org.pocketflow.qsgd.CorruptMessageException;
import org.pocketflow.qsgd.kernel.BitReader;
import org.pocketflow.qsgd.kernel.FixedWidthPacking;
import org.pocketflow.qsgd.kernel.LittleEndian;
import org.pocketflow.qsgd.kernel.RunLengthCoding;
import org.pocketflow.qsgd.wire.Frame;

/**
 * Payload of the codecs that send stochastic levels with one scale per bucket (QSGD, ECQ,
 * TernGrad):
 *
 * <pre>
 * float32 scale[B]        B = ceil(n / bucketSize); the bucket's norm (or clipped max), &gt;= 0
 * FIXED_WIDTH: symbol = level + s at width w in lane-interleaved 32-byte blocks
 *              ({@link FixedWidthPacking}), bucket after bucket (each bucket fills whole
 *              blocks; a partial last bucket ends in a zero-padded block)
 * RUN_LENGTH:  uint64 words of the run-length bit stream, bucket after bucket
 *              ({@link RunLengthCoding}; its bucket layout differs between wire format versions 1 and 2)
 * </pre>
 *
 * An element decodes to {@code level * (scale / s)}; the encoder computes its residual with the
 * same float expression, so the worker's view of what it sent is exact.
 *
 * @param bucketSize elements per bucket
 * @param levels s
 * @param coding the level coding
 */
record LevelFormat(int bucketSize, int levels, LevelCoding coding) implements Serializable {

    /** Symbol width for {@link LevelCoding#FIXED_WIDTH}. */
    int width() {
        return FixedWidthPacking.widthFor(2 * levels + 1);
    }

    int buckets(int n) {
        return n / bucketSize + (n % bucketSize == 0 ? 0 : 1);
    }

    int fixedPayloadBytes(int n) {
        return 4 * buckets(n) + FixedWidthPacking.bytesFor(n, width());
    }

    void validate(Frame f) {
        int n = f.elementCount();
        int scalesBytes = 4 * buckets(n);
        int length = f.payloadLength();
        if (coding == LevelCoding.FIXED_WIDTH ? length != fixedPayloadBytes(n)
                : length < scalesBytes || (length - scalesBytes) % 8 != 0) {
            throw new CorruptMessageException(WRONG_LENGTH, "payload length " + length + " does not fit "
                    + n + " elements in buckets of " + bucketSize + " with " + coding + " coding"
                    + (coding == LevelCoding.FIXED_WIDTH ? " (expected " + fixedPayloadBytes(n) + ")" : ""));
        }
        checkScales(f, buckets(n));
        if (coding == LevelCoding.RUN_LENGTH) {
            walk(f, null, false);
        }
    }

    /** Checks that the {@code buckets} float32 scales at the start of the payload are finite and >= 0. */
    static void checkScales(Frame f, int buckets) {
        byte[] m = f.bytes();
        for (int b = 0; b < buckets; b++) {
            float scale = LittleEndian.getFloat(m, f.payloadOffset() + 4 * b);
            if (!(scale >= 0 && scale <= Float.MAX_VALUE)) {
                throw new CorruptMessageException(BAD_PAYLOAD, "bucket " + b + " has scale " + scale
                        + "; scales must be finite and >= 0");
            }
        }
    }

    void decode(Frame f, float[] out, boolean add) {
        if (coding == LevelCoding.RUN_LENGTH) {
            walk(f, out, add);
            return;
        }
        int n = f.elementCount();
        byte[] m = f.bytes();
        int w = width();
        int sym = f.payloadOffset() + 4 * buckets(n);
        for (int b = 0, off = 0; off < n; b++, off += bucketSize) {
            int len = Math.min(bucketSize, n - off);
            float unit = LittleEndian.getFloat(m, f.payloadOffset() + 4 * b) / levels;
            FixedWidthPacking.unpack(m, sym, len, w, levels, unit, out, off, add);
            sym += FixedWidthPacking.bytesFor(len, w);
        }
    }

    private void walk(Frame f, float[] out, boolean add) {
        int n = f.elementCount();
        byte[] m = f.bytes();
        int scalesBytes = 4 * buckets(n);
        BitReader in = new BitReader(m, f.payloadOffset() + scalesBytes, f.payloadLength() - scalesBytes);
        boolean version1 = f.version() == 1;
        for (int b = 0, off = 0; off < n; b++, off += bucketSize) {
            int len = Math.min(bucketSize, n - off);
            float unit = LittleEndian.getFloat(m, f.payloadOffset() + 4 * b) / levels;
            RunLengthCoding.readBucket(in, len, levels, version1, unit, out, off, add);
        }
        if (!in.exhausted()) {
            throw new CorruptMessageException(BAD_PAYLOAD, "bit stream has words left after the last bucket");
        }
    }
}
