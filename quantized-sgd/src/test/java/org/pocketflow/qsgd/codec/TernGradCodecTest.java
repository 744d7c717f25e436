package org.pocketflow.qsgd.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.kernel.BucketNorms;

class TernGradCodecTest {

    @Test
    void clippingCapsTheScaleAtCTimesTheRootMeanSquare() {
        GradientCodec codec = new TernGradCodec(new TernGradParams(512, 2.5f));
        float[] g = CodecCase.gaussian(2, 512, 1.0);
        g[17] = 40f;
        float rms = (float) Math.sqrt(BucketNorms.sumOfSquares(g, 0, 512) / 512);
        float scale = 2.5f * rms;
        float[] out = new float[512];
        codec.decode(codec.newEncoder(1).encode(g), out);
        assertEquals(scale, out[17], 0f, "the outlier is clipped to c·σ");
        for (float v : out) {
            assertTrue(v == 0f || Math.abs(v) == scale, "ternary values only: " + v);
        }
    }
}
