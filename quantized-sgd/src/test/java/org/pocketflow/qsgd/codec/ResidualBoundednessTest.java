package org.pocketflow.qsgd.codec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;

/**
 * Property: over 10,000 steps of random gradients — Gaussian, with a scale that jumps over two
 * orders of magnitude from step to step and occasional heavy-tailed spikes — the error-feedback
 * residual stays within a fixed multiple of the largest gradient seen, and does not drift upward
 * (the last tenth of the run is not larger than the first tenth beyond noise).
 *
 * <p>Bounds (rms of the residual over rms of the largest gradient so far): the theory gives
 * {@code O(1)} factors for ECQ (contracting recursion, see {@link EcqParams#defaults()}) and
 * EF-SignSGD (Karimireddy et al.: {@code ||e||^2} of order {@code (1-δ)/δ^2 max||g||^2}, δ ≈ 2/π
 * for Gaussian buckets), and {@code O(1/sqrt ρ)} for DGC (an element waits about 1/ρ steps).
 */
class ResidualBoundednessTest {

    private static final int STEPS = 10_000;
    private static final int N = 1024;

    static Stream<Arguments> feedbackCodecs() {
        return Stream.of(
                Arguments.of(new EcqCodec(), 4.0),
                Arguments.of(new EcqCodec(EcqParams.defaults().withCoding(LevelCoding.RUN_LENGTH)), 4.0),
                Arguments.of(new EcqCodec(new EcqParams(256, 7, BucketNorm.LINF, LevelCoding.FIXED_WIDTH, 1f, 1f)), 2.0),
                Arguments.of(new SignEfCodec(), 4.0),
                Arguments.of(new ThresholdCodec(ThresholdParams.topDensity(0.01f)), 25.0));
    }

    @ParameterizedTest
    @MethodSource("feedbackCodecs")
    void residualStaysBoundedOverLongRandomRuns(GradientCodec codec, double bound) {
        GradientEncoder encoder = codec.newEncoder(2024);
        SplittableRandom r = new SplittableRandom(77);
        float[] g = new float[N];
        double largestGradient = 0;
        double worst = 0;
        double early = 0;
        double late = 0;
        int window = STEPS / 10;
        for (int t = 0; t < STEPS; t++) {
            double scale = Math.exp(r.nextDouble(-2.3, 2.3));
            for (int i = 0; i < N; i++) {
                double x = r.nextGaussian() * scale;
                g[i] = (float) (r.nextInt(1000) == 0 ? 30 * x : x);
            }
            largestGradient = Math.max(largestGradient, rms(g));
            encoder.encode(g);
            double h = rms(encoder.residual());
            worst = Math.max(worst, h / largestGradient);
            if (t < window) {
                early += h;
            } else if (t >= STEPS - window) {
                late += h;
            }
        }
        assertTrue(worst <= bound, codec + ": residual reached " + worst + " x the largest gradient (bound " + bound + ")");
        assertTrue(late <= 1.5 * early, codec + ": residual drifts up, last tenth " + late / window
                + " vs first tenth " + early / window);
    }

    private static double rms(float[] a) {
        double s = 0;
        for (float x : a) {
            s += (double) x * x;
        }
        return Math.sqrt(s / a.length);
    }
}
