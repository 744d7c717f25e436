package org.pocketflow.qsgd.codec;

import java.util.List;
import java.util.SplittableRandom;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.kernel.BucketNorms;

/**
 * One codec configuration under test, with the facts the contract tests need: whether it rounds
 * stochastically (so different seeds give different bytes), whether it keeps a residual, and the
 * per-element error bound of one round trip from a fresh encoder, as stated in its javadoc.
 *
 * @param name file-name-safe label (also the golden file prefix)
 * @param codec the codec
 * @param stochastic whether the seed changes the bytes (for gradients of a few thousand elements)
 * @param feedback whether the encoder keeps a residual
 * @param bound gradient -> per-element bound on |g_i - decoded_i| for a fresh encoder
 */
public record CodecCase(String name, GradientCodec codec, boolean stochastic, boolean feedback,
                        UnaryOperator<float[]> bound) {

    @Override
    public String toString() {
        return name;
    }

    /** Every codec, in the configurations the module supports, once. */
    public static List<CodecCase> all() {
        return List.of(
                new CodecCase("identity", new IdentityCodec(), false, false, g -> new float[g.length]),
                new CodecCase("qsgd", new QsgdCodec(), true, false, unitBound(7, BucketNorm.L2, 512)),
                new CodecCase("qsgd-linf-rl", new QsgdCodec(new QsgdParams(256, 3, BucketNorm.LINF, LevelCoding.RUN_LENGTH)),
                        true, false, unitBound(3, BucketNorm.LINF, 256)),
                new CodecCase("ecq", new EcqCodec(), true, true, unitBound(1, BucketNorm.LINF, 512)),
                new CodecCase("ecq-rl", new EcqCodec(EcqParams.defaults().withCoding(LevelCoding.RUN_LENGTH)),
                        true, true, unitBound(1, BucketNorm.LINF, 512)),
                new CodecCase("ecq-l2-rl", new EcqCodec(new EcqParams(128, 15, BucketNorm.L2, LevelCoding.RUN_LENGTH, 0.2f, 1f)),
                        true, true, unitBound(15, BucketNorm.L2, 128)),
                new CodecCase("terngrad", new TernGradCodec(), true, false, bucketBound(512, BucketNorms::maxAbs, 0)),
                new CodecCase("signef", new SignEfCodec(), false, true, signBound(512)),
                new CodecCase("threshold-strom", new ThresholdCodec(ThresholdParams.fixedThreshold(1.5f)), false, true,
                        CodecCase::abs),
                new CodecCase("threshold-dgc", new ThresholdCodec(ThresholdParams.topDensity(0.05f)), false, true,
                        CodecCase::abs));
    }

    /** For {@code @MethodSource}. */
    public static Stream<CodecCase> cases() {
        return all().stream();
    }

    /** Gaussian gradient of {@code n} elements with standard deviation {@code sigma}. */
    public static float[] gaussian(long seed, int n, double sigma) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (r.nextGaussian() * sigma);
        }
        return g;
    }

    private static UnaryOperator<float[]> unitBound(int s, BucketNorm norm, int bucket) {
        return bucketBound(bucket, norm::of, s);
    }

    private interface Norm {
        float of(float[] a, int off, int len);
    }

    /** norm / s per bucket (s = 0 means the norm itself), with float slack. */
    private static UnaryOperator<float[]> bucketBound(int bucket, Norm norm, int s) {
        return g -> {
            float[] out = new float[g.length];
            for (int off = 0; off < g.length; off += bucket) {
                int len = Math.min(bucket, g.length - off);
                float v = norm.of(g, off, len) / Math.max(1, s) * 1.0001f;
                Arrays.fill(out, off, off + len, v);
            }
            return out;
        };
    }

    private static UnaryOperator<float[]> signBound(int bucket) {
        return g -> {
            float[] out = new float[g.length];
            for (int off = 0; off < g.length; off += bucket) {
                int len = Math.min(bucket, g.length - off);
                float mean = BucketNorms.l1(g, off, len) / len;
                for (int i = off; i < off + len; i++) {
                    out[i] = (Math.abs(g[i]) + mean) * 1.0001f;
                }
            }
            return out;
        };
    }

    static float[] abs(float[] g) {
        float[] out = new float[g.length];
        for (int i = 0; i < g.length; i++) {
            out[i] = Math.abs(g[i]);
        }
        return out;
    }
}
