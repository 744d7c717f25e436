package org.pocketflow.bench.codec;

import java.util.Locale;
import java.util.SplittableRandom;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;

/**
 * Encode and decode time of ECQ with fixed-width and with run-length coding at several densities
 * of nonzero levels, one thread, best of many runs (on a shared machine the best run is the one
 * least disturbed by other processes; JMH's averages there swing by 2x). The gradient is
 * {@link BenchCodecs#gradient}'s Gaussian times {@code exp(t z)}, {@code z} standard normal:
 * {@code t = 0} is JMH's gradient (ternary levels about 25% nonzero), larger {@code t} gives
 * heavier tails and sparser levels, as real gradients have.
 *
 * <p>{@code bench/bin/run org.pocketflow.bench.codec.RunLengthSpeedBench [runs] [t...]}
 * (defaults: 300 runs, t = 0 0.5 1).
 */
public final class RunLengthSpeedBench {

    private static final int SIZE = 1 << 20;

    private RunLengthSpeedBench() {
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        double[] tails = args.length > 1 ? new double[args.length - 1] : new double[] {0, 0.5, 1};
        for (int i = 1; i < args.length; i++) {
            tails[i - 1] = Double.parseDouble(args[i]);
        }
        System.out.println("| t | codec | nonzero levels | bits/element | encode ms | decode ms | encode+decode GB/s |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (double t : tails) {
            float[] g = gradient(t);
            for (String name : new String[] {"ecq", "ecq-rl"}) {
                GradientCodec c = BenchCodecs.byName(name);
                GradientEncoder e = c.newEncoder(1);
                EncodedGradient m = e.encode(g);
                float[] out = new float[SIZE];
                c.decode(m, out);
                int nonzero = 0;
                for (float v : out) {
                    nonzero += v != 0 ? 1 : 0;
                }
                double enc = best(runs, () -> e.encode(g));
                double dec = best(runs, () -> c.decode(m, out));
                System.out.printf(Locale.ROOT, "| %.1f | %s | %.1f%% | %.3f | %.3f | %.3f | %.2f |%n", t, name,
                        100.0 * nonzero / SIZE, 8.0 * m.sizeBytes() / SIZE, enc, dec, 4.0 * SIZE / (enc + dec) / 1e6);
            }
        }
    }

    private static float[] gradient(double t) {
        float[] g = BenchCodecs.gradient(SIZE, 42);
        SplittableRandom r = new SplittableRandom(43);
        for (int i = 0; i < SIZE; i++) {
            g[i] = (float) (g[i] * Math.exp(t * r.nextGaussian()));
        }
        return g;
    }

    /** Milliseconds of the fastest of {@code runs} calls. */
    private static double best(int runs, Runnable op) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            op.run();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / 1e6;
    }
}
