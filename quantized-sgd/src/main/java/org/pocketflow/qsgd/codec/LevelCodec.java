package org.pocketflow.qsgd.codec;

import org.pocketflow.qsgd.CodecParams;
import org.pocketflow.qsgd.wire.Frame;

/**
 * Base of the codecs whose payload is a {@link LevelFormat} (QSGD, ECQ, TernGrad): they share
 * decoding entirely and differ only in how their {@link LevelEncoder} turns a bucket into levels.
 *
 * @param <P> the parameter record
 */
abstract class LevelCodec<P extends CodecParams> extends AbstractCodec<P> {

    private static final long serialVersionUID = 1L;

    private final LevelFormat format;

    LevelCodec(P params, LevelFormat format) {
        super(params);
        this.format = format;
    }

    final LevelFormat format() {
        return format;
    }

    @Override
    protected final void validatePayload(Frame frame) {
        format.validate(frame);
    }

    @Override
    protected final void decodePayload(Frame frame, float[] target, boolean add) {
        format.decode(frame, target, add);
    }
}
