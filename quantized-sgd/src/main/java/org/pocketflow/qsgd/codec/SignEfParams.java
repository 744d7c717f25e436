package org.pocketflow.qsgd.codec;

import java.nio.ByteBuffer;
import org.pocketflow.qsgd.CodecParams;

/**
 * Parameters of {@link SignEfCodec}. Header layout (4 bytes): int32 bucketSize.
 *
 * @param bucketSize elements sharing one scale {@code ||p||_1 / d}; a multiple of 64 in [64, 2^24]
 */
public record SignEfParams(int bucketSize) implements CodecParams {

    public SignEfParams {
        ParamChecks.bucketSize("signef", bucketSize);
    }

    /** Buckets of 512: 1 bit per element plus 32 bits per bucket, 1.06 bits per element. */
    public static SignEfParams defaults() {
        return new SignEfParams(512);
    }

    @Override
    public int wireSize() {
        return 4;
    }

    @Override
    public void writeTo(ByteBuffer out) {
        out.putInt(bucketSize);
    }

    public static SignEfParams readFrom(ByteBuffer in) {
        return new SignEfParams(in.getInt());
    }
}
