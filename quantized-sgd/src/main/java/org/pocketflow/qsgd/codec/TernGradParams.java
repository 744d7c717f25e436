package org.pocketflow.qsgd.codec;

import java.nio.ByteBuffer;
import org.pocketflow.qsgd.CodecParams;

/**
 * Parameters of {@link TernGradCodec}. Header layout (8 bytes): int32 bucketSize, float32 clipSigmas.
 *
 * @param bucketSize elements per scaling bucket (TernGrad scales per layer; a flat gradient is
 *     scaled per bucket instead); a multiple of 128 in [128, 2^24]
 * @param clipSigmas c of TernGrad's gradient clipping: elements beyond {@code c} times the bucket's
 *     root mean square are clipped before ternarizing (smaller scale, lower variance, some bias);
 *     0 turns clipping off and makes the codec unbiased. In [0, 1000].
 */
public record TernGradParams(int bucketSize, float clipSigmas) implements CodecParams {

    public TernGradParams {
        ParamChecks.bucketSize("terngrad", bucketSize);
        ParamChecks.blockAligned("terngrad", bucketSize, 1);
        ParamChecks.inRange("terngrad.clipSigmas", clipSigmas, 0f, 1000f);
    }

    /** Buckets of 512 and the paper's clipping at c = 2.5. */
    public static TernGradParams defaults() {
        return new TernGradParams(512, 2.5f);
    }

    @Override
    public int wireSize() {
        return 8;
    }

    @Override
    public void writeTo(ByteBuffer out) {
        out.putInt(bucketSize).putFloat(clipSigmas);
    }

    public static TernGradParams readFrom(ByteBuffer in) {
        return new TernGradParams(in.getInt(), in.getFloat());
    }
}
