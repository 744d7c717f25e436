package org.pocketflow.qsgd.codec;

import org.pocketflow.qsgd.kernel.FixedWidthPacking;

/** Range checks shared by the parameter records; messages name the parameter, the value and the range. */
final class ParamChecks {

    static final int MAX_BUCKET = 1 << 24;
    static final int MAX_LEVELS = 32767;

    private ParamChecks() {
    }

    static void bucketSize(String codec, int bucketSize) {
        if (bucketSize < 64 || bucketSize > MAX_BUCKET || bucketSize % 64 != 0) {
            throw new IllegalArgumentException(codec + ".bucketSize must be a multiple of 64 in [64, "
                    + MAX_BUCKET + "] (so that buckets start on 64-bit word boundaries), but got " + bucketSize);
        }
    }

    static void levels(String codec, int levels) {
        if (levels < 1 || levels > MAX_LEVELS) {
            throw new IllegalArgumentException(codec + ".levels must be in [1, " + MAX_LEVELS
                    + "] (number of positive quantization levels s), but got " + levels);
        }
    }

    /**
     * Fixed-width symbols are packed in blocks ({@link FixedWidthPacking#blockSymbols}); a bucket
     * must fill whole blocks, or every bucket would carry padding.
     */
    static void blockAligned(String codec, int bucketSize, int levels) {
        int width = FixedWidthPacking.widthFor(2 * levels + 1);
        int block = FixedWidthPacking.blockSymbols(width);
        if (bucketSize % block != 0) {
            throw new IllegalArgumentException(codec + ".bucketSize must be a multiple of " + block
                    + " with levels = " + levels + " (" + width + "-bit symbols are packed in blocks of " + block
                    + "), but got " + bucketSize + "; use " + ((bucketSize / block + 1) * block)
                    + " or RUN_LENGTH coding");
        }
    }

    static void inRange(String name, float v, float lo, float hi) {
        if (!(v >= lo && v <= hi)) {
            throw new IllegalArgumentException(name + " must be in [" + lo + ", " + hi + "], but got " + v);
        }
    }

    static <T> T notNull(String name, T v) {
        if (v == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return v;
    }
}
