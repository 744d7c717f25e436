package org.pocketflow.qsgd.ps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Parameters on the wire: fp32 little-endian, nothing else (the frame carries step and checksum). */
final class ParamsPayload {
    private ParamsPayload() {
    }

    static byte[] encode(float[] params) {
        ByteBuffer b = ByteBuffer.allocate(4 * params.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(params);
        return b.array();
    }

    static float[] decode(byte[] payload) {
        if (payload.length % 4 != 0) {
            throw new IllegalArgumentException("parameter payload of " + payload.length + " bytes is not a whole number of floats");
        }
        float[] out = new float[payload.length / 4];
        ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
