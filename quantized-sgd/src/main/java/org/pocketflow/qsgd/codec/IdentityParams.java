package org.pocketflow.qsgd.codec;

import java.nio.ByteBuffer;
import org.pocketflow.qsgd.CodecParams;

/** {@link IdentityCodec} has no parameters; its header parameter block is empty. */
public record IdentityParams() implements CodecParams {

    @Override
    public int wireSize() {
        return 0;
    }

    @Override
    public void writeTo(ByteBuffer out) {
    }

    public static IdentityParams readFrom(ByteBuffer in) {
        return new IdentityParams();
    }
}
