package org.pocketflow.qsgd.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientCodec;

class ThresholdCodecTest {

    @Test
    void stromSendsEveryElementAtOrAboveTauAsPlusOrMinusTau() {
        float tau = 1.5f;
        GradientCodec codec = new ThresholdCodec(ThresholdParams.fixedThreshold(tau));
        float[] g = CodecCase.gaussian(4, 5000, 1.0);
        float[] out = new float[g.length];
        codec.decode(codec.newEncoder(1).encode(g), out);
        for (int i = 0; i < g.length; i++) {
            float expected = Math.abs(g[i]) >= tau ? Math.copySign(tau, g[i]) : 0f;
            assertEquals(expected, out[i], 0f, "element " + i + " = " + g[i]);
        }
    }

    @Test
    void dgcSendsTheExactTopKOfASmallGradient() {
        float[] g = CodecCase.gaussian(5, 4000, 1.0);
        GradientCodec codec = new ThresholdCodec(ThresholdParams.topDensity(0.01f));
        float[] out = new float[g.length];
        codec.decode(codec.newEncoder(1).encode(g), out);
        float[] magnitudes = CodecCase.abs(g);
        Arrays.sort(magnitudes);
        float kth = magnitudes[g.length - 40];
        int sent = 0;
        for (int i = 0; i < g.length; i++) {
            boolean top = Math.abs(g[i]) >= kth;
            assertEquals(top ? g[i] : 0f, out[i], 0f, "element " + i);
            sent += top ? 1 : 0;
        }
        assertEquals(40, sent);
    }

    @Test
    void dgcOnALargeGradientSendsAboutTheRequestedDensity() {
        int n = 500_000;
        float[] g = CodecCase.gaussian(6, n, 1.0);
        GradientCodec codec = new ThresholdCodec(ThresholdParams.topDensity(0.01f));
        float[] out = new float[n];
        codec.decode(codec.newEncoder(1).encode(g), out);
        long sent = 0;
        for (float v : out) {
            sent += v != 0 ? 1 : 0;
        }
        assertTrue(sent > 0.7 * 5000 && sent < 1.3 * 5000, sent + " sent, wanted about 5000");
    }

    @Test
    void positionsCostFarLessThanNd4jsThirtyTwoBits() {
        int n = 1_000_000;
        float[] g = CodecCase.gaussian(7, n, 1.0);
        EncodedGradient m = new ThresholdCodec(ThresholdParams.fixedThreshold(2.5f)).newEncoder(1).encode(g);
        float[] out = new float[n];
        new ThresholdCodec(ThresholdParams.fixedThreshold(2.5f)).decode(m, out);
        long sent = 0;
        for (float v : out) {
            sent += v != 0 ? 1 : 0;
        }
        double bitsPerSent = 8.0 * m.sizeBytes() / sent;
        assertTrue(bitsPerSent < 10, bitsPerSent + " bits per sent element at density " + (double) sent / n);
    }
}
