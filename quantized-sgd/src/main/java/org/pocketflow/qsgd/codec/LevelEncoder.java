package org.pocketflow.qsgd.codec;

import org.pocketflow.qsgd.CodecParams;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.kernel.BitWriter;
import org.pocketflow.qsgd.kernel.FixedWidthPacking;
import org.pocketflow.qsgd.kernel.LittleEndian;
import org.pocketflow.qsgd.kernel.RunLengthCoding;
import org.pocketflow.qsgd.wire.WireFormat;

/**
 * Encoder of the {@link LevelFormat} codecs: walks the gradient bucket by bucket, lets the
 * subclass turn each bucket into levels and a scale ({@link #quantizeBucket}, the only thing
 * that varies between QSGD, ECQ and TernGrad), and writes them in the message's coding.
 *
 * <p>Owns its scratch (one bucket of levels, the bit stream, the scales) and, in subclasses, the
 * residual; one worker, one thread.
 */
abstract class LevelEncoder extends AbstractEncoder {

    private final LevelFormat format;
    private final int width;
    private final int[] levels;
    private BitWriter bits;
    private long[] masks;
    private float[] scales;

    LevelEncoder(GradientCodec codec, long seed, LevelFormat format) {
        super(codec, seed);
        this.format = format;
        this.width = format.width();
        this.levels = new int[format.bucketSize()];
    }

    /**
     * Quantizes {@code gradient[off, off+len)} into {@code levels[0, len)} (signed, in
     * [-s, s]), updates any residual for those elements, and returns the bucket's scale.
     */
    protected abstract float quantizeBucket(float[] gradient, int off, int len, int key, int[] levels);

    @Override
    protected void allocate(int n) {
        if (format.coding() == LevelCoding.RUN_LENGTH) {
            bits = new BitWriter();
            masks = new long[RunLengthCoding.maskWords(format.bucketSize())];
            scales = new float[format.buckets(n)];
        }
    }

    @Override
    protected EncodedGradient encode(float[] g, int key) {
        return format.coding() == LevelCoding.FIXED_WIDTH ? encodeFixed(g, key) : encodeRunLength(g, key);
    }

    private EncodedGradient encodeFixed(float[] g, int key) {
        int n = g.length;
        CodecParams params = codec().params();
        byte[] m = WireFormat.allocate(codec().id(), params, n, format.fixedPayloadBytes(n));
        int scaleAt = WireFormat.payloadOffset(params);
        int symAt = scaleAt + 4 * format.buckets(n);
        int s = format.levels();
        for (int off = 0; off < n; off += format.bucketSize(), scaleAt += 4) {
            int len = Math.min(format.bucketSize(), n - off);
            LittleEndian.putFloat(m, scaleAt, quantizeBucket(g, off, len, key, levels));
            FixedWidthPacking.pack(levels, len, s, width, m, symAt);
            symAt += FixedWidthPacking.bytesFor(len, width);
        }
        return WireFormat.seal(m);
    }

    private EncodedGradient encodeRunLength(float[] g, int key) {
        int n = g.length;
        bits.reset();
        for (int off = 0, b = 0; off < n; off += format.bucketSize(), b++) {
            int len = Math.min(format.bucketSize(), n - off);
            scales[b] = quantizeBucket(g, off, len, key, levels);
            RunLengthCoding.writeBucket(levels, len, format.levels(), masks, bits);
        }
        bits.finish();
        CodecParams params = codec().params();
        byte[] m = WireFormat.allocate(codec().id(), params, n, 4 * scales.length + bits.byteCount());
        int at = WireFormat.payloadOffset(params);
        for (float scale : scales) {
            LittleEndian.putFloat(m, at, scale);
            at += 4;
        }
        bits.copyTo(m, at);
        return WireFormat.seal(m);
    }
}
