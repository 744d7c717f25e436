package org.pocketflow.qsgd.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;

class EcqCodecTest {

    private static final int N = 2048;

    @Test
    void withBetaOneNothingIsLostOnlyDelayed() {
        GradientCodec codec = new EcqCodec();
        GradientEncoder e = codec.newEncoder(1);
        double[] sent = new double[N];
        double[] total = new double[N];
        float[] out = new float[N];
        for (int t = 0; t < 300; t++) {
            float[] g = CodecCase.gaussian(t, N, 1.0);
            codec.decode(e.encode(g), out);
            for (int i = 0; i < N; i++) {
                sent[i] += out[i];
                total[i] += g[i];
            }
        }
        float[] h = e.residual();
        for (int i = 0; i < N; i++) {
            assertEquals(total[i], sent[i] + h[i], 1e-3 * (1 + Math.abs(total[i])), "element " + i);
        }
    }

    @Test
    void errorFeedbackKeepsTheCumulativeErrorBoundedWhereQsgdsGrows() {
        QsgdParams q = new QsgdParams(512, 1, BucketNorm.LINF, LevelCoding.FIXED_WIDTH);
        double withFeedback = cumulativeError(new EcqCodec(), 1000);
        double without = cumulativeError(new QsgdCodec(q), 1000);
        assertTrue(withFeedback * 5 < without, "ECQ cumulative error " + withFeedback + ", QSGD " + without);
    }

    @Test
    void codingChangesTheBytesButNotTheDecodedValues() {
        EcqParams fixed = new EcqParams(256, 3, BucketNorm.L2, LevelCoding.FIXED_WIDTH, 0.2f, 1f);
        GradientCodec a = new EcqCodec(fixed);
        GradientCodec b = new EcqCodec(fixed.withCoding(LevelCoding.RUN_LENGTH));
        GradientEncoder ea = a.newEncoder(9);
        GradientEncoder eb = b.newEncoder(9);
        for (int t = 0; t < 5; t++) {
            float[] g = CodecCase.gaussian(t, N, 1.0);
            var ma = ea.encode(g);
            var mb = eb.encode(g);
            float[] da = new float[N];
            float[] db = new float[N];
            a.decode(ma, da);
            b.decode(mb, db);
            assertArrayEquals(da, db, "step " + t);
            assertTrue(mb.sizeBytes() * 2 < ma.sizeBytes(), "run-length " + mb.sizeBytes() + " vs fixed " + ma.sizeBytes());
        }
        assertArrayEquals(ea.residual(), eb.residual());
    }

    @Test
    void defaultMessageIsAboutTwoBitsPerElement() {
        int n = 431_080;
        var m = new EcqCodec().newEncoder(1).encode(CodecCase.gaussian(1, n, 0.01));
        double bits = 8.0 * m.sizeBytes() / n;
        assertTrue(bits > 2.0 && bits < 2.1, bits + " bits per element");
    }

    /** rms over elements of |sum of decoded - sum of gradients| after {@code steps} steps. */
    private static double cumulativeError(GradientCodec codec, int steps) {
        GradientEncoder e = codec.newEncoder(3);
        double[] diff = new double[N];
        float[] out = new float[N];
        for (int t = 0; t < steps; t++) {
            float[] g = CodecCase.gaussian(t, N, 1.0);
            codec.decode(e.encode(g), out);
            for (int i = 0; i < N; i++) {
                diff[i] += out[i] - g[i];
            }
        }
        double s = 0;
        for (double d : diff) {
            s += d * d;
        }
        return Math.sqrt(s / N);
    }
}
