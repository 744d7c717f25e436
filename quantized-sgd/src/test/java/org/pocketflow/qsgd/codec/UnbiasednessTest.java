package org.pocketflow.qsgd.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;

/**
 * The quantizers without feedback are unbiased: the mean of many decodes of one gradient
 * approaches the gradient. Element i decodes to {@code l u} or {@code (l+1) u} (u = bucket norm / s,
 * {@code |g_i| / u = l + f}), so its mean over K draws has standard error {@code u sqrt(f(1-f)/K)}.
 * Every element must lie within 5 standard errors (for 1,000 elements a false alarm has odds
 * below 1e-3), and the average signed z-score must be near zero (a systematic bias of even 1% of
 * a level would push it beyond 0.2).
 */
class UnbiasednessTest {

    private static final int DRAWS = 4000;
    private static final int N = 1000;

    static Stream<Arguments> unbiasedCodecs() {
        return Stream.of(
                Arguments.of(new QsgdCodec(), BucketNorm.L2, 7, 512),
                Arguments.of(new QsgdCodec(new QsgdParams(256, 3, BucketNorm.LINF, LevelCoding.RUN_LENGTH)), BucketNorm.LINF, 3, 256),
                Arguments.of(new QsgdCodec(new QsgdParams(512, 1, BucketNorm.L2, LevelCoding.FIXED_WIDTH)), BucketNorm.L2, 1, 512),
                Arguments.of(new TernGradCodec(new TernGradParams(512, 0f)), BucketNorm.LINF, 1, 512));
    }

    @ParameterizedTest
    @MethodSource("unbiasedCodecs")
    void meanOfManyDecodesApproachesTheInput(GradientCodec codec, BucketNorm norm, int s, int bucket) {
        float[] g = CodecCase.gaussian(17, N, 1.0);
        g[3] = 0f;
        g[4] = 1e-6f;
        g[5] = -1e-3f;
        double[] sum = new double[N];
        float[] out = new float[N];
        GradientEncoder encoder = codec.newEncoder(123);
        for (int k = 0; k < DRAWS; k++) {
            codec.decode(encoder.encode(g), out);
            for (int i = 0; i < N; i++) {
                sum[i] += out[i];
            }
        }
        double worst = 0;
        double signed = 0;
        for (int i = 0; i < N; i++) {
            int off = i / bucket * bucket;
            double unit = norm.of(g, off, Math.min(bucket, N - off)) / s;
            double x = Math.abs(g[i]) / unit;
            double f = x - Math.floor(x);
            double stdErr = unit * Math.sqrt(f * (1 - f) / DRAWS);
            double mean = sum[i] / DRAWS;
            if (stdErr < 1e-9 * unit) {
                assertEquals(g[i], mean, 1e-6 * unit, codec + ": element " + i + " lies on a level");
                continue;
            }
            double z = (mean - g[i]) / stdErr;
            worst = Math.max(worst, Math.abs(z));
            signed += z;
        }
        assertTrue(worst < 5, codec + ": an element's mean is " + worst + " standard errors off");
        assertTrue(Math.abs(signed / N) < 0.2, codec + ": average signed error " + signed / N + " standard errors");
    }
}
