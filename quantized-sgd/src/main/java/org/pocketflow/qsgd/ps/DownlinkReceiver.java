package org.pocketflow.qsgd.ps;

import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.codec.CodecCatalog;

/**
 * A worker's side of the downlink ({@link Downlink}): its copy of the parameters, kept by full
 * copies and by encoded updates applied in order. Owned by the worker's thread.
 */
final class DownlinkReceiver {
    private float[] copy;
    private long sequence;
    private GradientCodec codec;

    /** Takes a full fp32 copy; returns the parameters (a copy the caller owns). */
    float[] full(byte[] payload) {
        copy = ParamsPayload.decode(payload);
        sequence = 0;
        codec = null;
        return copy.clone();
    }

    /**
     * Applies an encoded update; returns the parameters (a copy the caller owns), or null, having
     * changed nothing, when the update does not follow this copy (the worker then asks for a full one).
     *
     * @throws org.pocketflow.qsgd.CorruptMessageException if the update does not decode (nothing changed)
     * @throws IllegalArgumentException if it does not fit the copy (nothing changed)
     */
    float[] update(byte[] payload) {
        if (copy == null || DeltaPayload.sequence(payload) != sequence + 1) {
            return null;
        }
        EncodedGradient m = DeltaPayload.message(payload);
        GradientCodec c = CodecCatalog.forMessage(m);
        c.decodeAdd(m, copy);
        sequence++;
        codec = c;
        return copy.clone();
    }

    /** The codec of the last parameters taken: an update's codec, null after a full copy. */
    GradientCodec codec() {
        return codec;
    }
}
