package org.pocketflow.qsgd.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.kernel.BucketNorms;

class SignEfCodecTest {

    @Test
    void firstMessageIsTheSignTimesTheMeanMagnitudeOfEachBucket() {
        GradientCodec codec = new SignEfCodec(new SignEfParams(128));
        float[] g = CodecCase.gaussian(1, 1000, 1.0);
        float[] out = new float[g.length];
        codec.decode(codec.newEncoder(1).encode(g), out);
        for (int off = 0; off < g.length; off += 128) {
            int len = Math.min(128, g.length - off);
            float scale = BucketNorms.l1(g, off, len) / len;
            for (int i = off; i < off + len; i++) {
                assertEquals(Math.copySign(scale, g[i]), out[i], 0f, "element " + i);
            }
        }
    }
}
