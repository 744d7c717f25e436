package org.pocketflow.qsgd.codec;

import java.nio.ByteBuffer;
import org.pocketflow.qsgd.CodecParams;

/**
 * Parameters of {@link QsgdCodec}. Header layout (8 bytes): int32 bucketSize, uint16 levels,
 * uint8 norm, uint8 coding.
 *
 * @param bucketSize elements per bucket, each scaled by its own norm; a multiple of 64 in [64, 2^24],
 *     and of 128 when {@code levels = 1} with fixed-width coding
 * @param levels s, the number of positive levels, in [1, 32767]
 * @param norm the bucket scale
 * @param coding how levels travel
 */
public record QsgdParams(int bucketSize, int levels, BucketNorm norm, LevelCoding coding)
        implements CodecParams {

    public QsgdParams {
        ParamChecks.bucketSize("qsgd", bucketSize);
        ParamChecks.levels("qsgd", levels);
        ParamChecks.notNull("qsgd.norm", norm);
        ParamChecks.notNull("qsgd.coding", coding);
        if (coding == LevelCoding.FIXED_WIDTH) {
            ParamChecks.blockAligned("qsgd", bucketSize, levels);
        }
    }

    /** QSGD's 4-bit setting: buckets of 512, s = 7 (4-bit symbols), l2 norm, fixed width. */
    public static QsgdParams defaults() {
        return new QsgdParams(512, 7, BucketNorm.L2, LevelCoding.FIXED_WIDTH);
    }

    @Override
    public int wireSize() {
        return 8;
    }

    @Override
    public void writeTo(ByteBuffer out) {
        out.putInt(bucketSize).putShort((short) levels).put((byte) norm.ordinal()).put((byte) coding.ordinal());
    }

    public static QsgdParams readFrom(ByteBuffer in) {
        return new QsgdParams(in.getInt(), in.getShort() & 0xFFFF, BucketNorm.fromWire(in.get()),
                LevelCoding.fromWire(in.get()));
    }
}
