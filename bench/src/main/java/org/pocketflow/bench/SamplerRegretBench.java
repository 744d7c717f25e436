package org.pocketflow.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongFunction;
import java.util.function.ToDoubleFunction;

import org.pocketflow.driver.search.DdpgSampler;
import org.pocketflow.driver.search.GpSampler;
import org.pocketflow.driver.search.Point;
import org.pocketflow.driver.search.RandomSampler;
import org.pocketflow.driver.search.Sampler;
import org.pocketflow.driver.search.SearchSpace;
import org.pocketflow.driver.search.TpeSampler;
import org.pocketflow.driver.search.Trial;

/**
 * Simple regret of the samplers on two standard test functions (Dixon and Szegő 1978; the
 * definitions of Surjanovic and Bingham's Virtual Library of Simulation Experiments): Branin on
 * [−5, 10] × [0, 15] (minimum 0.397887) and Hartmann-6 on [0, 1]⁶ (minimum −3.32237). The samplers
 * maximise −f; the regret after n trials is min f over the first n minus the known minimum. Prints
 * the median and quartiles over seeds after 10, 25 and 50 trials, and the wall time per sampler.
 *
 * <p>Run: {@code bench/bin/run SamplerRegretBench [seeds] [trials]} (defaults 20 and 50). Prints
 * figures; asserts nothing.
 */
public final class SamplerRegretBench {
    private static final int[] CHECKPOINTS = {10, 25, 50};

    private record Problem(String name, SearchSpace space, ToDoubleFunction<Point> f, double minimum) {
    }

    private record Contender(String name, LongFunction<Sampler> make) {
    }

    private SamplerRegretBench() {
    }

    public static void main(String[] args) {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int trials = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        List<Problem> problems = List.of(branin(), hartmann6());
        List<Contender> contenders = List.of(
                new Contender("random", RandomSampler::new),
                new Contender("tpe", TpeSampler::new),
                new Contender("gp", GpSampler::new),
                new Contender("ddpg", DdpgSampler::new));
        System.out.printf(Locale.ROOT, "sampler regret: %d seeds, %d trials, simple regret median [q1, q3]%n",
                seeds, trials);
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-10s %-7s", "function", "sampler"));
        for (int c : CHECKPOINTS) {
            if (c <= trials) {
                header.append(String.format(Locale.ROOT, " %28s", "after " + c));
            }
        }
        System.out.println(header.append(String.format(Locale.ROOT, " %9s", "seconds")));
        for (Problem problem : problems) {
            for (Contender contender : contenders) {
                long start = System.nanoTime();
                double[][] regret = new double[CHECKPOINTS.length][seeds];
                for (int s = 0; s < seeds; s++) {
                    double[] curve = regretCurve(contender.make().apply(s), problem, trials);
                    for (int c = 0; c < CHECKPOINTS.length; c++) {
                        regret[c][s] = curve[Math.min(CHECKPOINTS[c], trials) - 1];
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-10s %-7s", problem.name(),
                        contender.name()));
                for (int c = 0; c < CHECKPOINTS.length; c++) {
                    if (CHECKPOINTS[c] <= trials) {
                        double[] r = regret[c].clone();
                        Arrays.sort(r);
                        line.append(String.format(Locale.ROOT, " %8.4f [%7.4f, %7.4f]", quantile(r, 0.5),
                                quantile(r, 0.25), quantile(r, 0.75)));
                    }
                }
                System.out.println(line.append(String.format(Locale.ROOT, " %9.1f", seconds)));
            }
        }
        System.out.println("regret: best f found minus the known minimum (lower is better); seeds 0.."
                + (seeds - 1) + ", the same seeds for every sampler");
    }

    /** @return the simple regret after each trial of one sequential study */
    private static double[] regretCurve(Sampler sampler, Problem problem, int trials) {
        List<Trial> history = new ArrayList<>();
        double[] curve = new double[trials];
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < trials; i++) {
            Point p = sampler.propose(problem.space(), List.copyOf(history));
            double f = problem.f().applyAsDouble(p);
            history.add(Trial.complete(i, p, -f));
            best = Math.min(best, f);
            curve[i] = best - problem.minimum();
        }
        return curve;
    }

    /** Linear interpolation between order statistics of a sorted array. */
    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private static Problem branin() {
        SearchSpace space = SearchSpace.builder().continuous("x1", -5, 10).continuous("x2", 0, 15).build();
        return new Problem("branin", space, p -> {
            double x1 = p.getDouble("x1");
            double x2 = p.getDouble("x2");
            double b = 5.1 / (4 * Math.PI * Math.PI);
            double c = 5 / Math.PI;
            double t = 1 / (8 * Math.PI);
            double u = x2 - b * x1 * x1 + c * x1 - 6;
            return u * u + 10 * (1 - t) * Math.cos(x1) + 10;
        }, 0.397887);
    }

    private static final double[] H_ALPHA = {1.0, 1.2, 3.0, 3.2};
    private static final double[][] H_A = {
            {10, 3, 17, 3.5, 1.7, 8},
            {0.05, 10, 17, 0.1, 8, 14},
            {3, 3.5, 1.7, 10, 17, 8},
            {17, 8, 0.05, 10, 0.1, 14}};
    private static final double[][] H_P = {
            {0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
            {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
            {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
            {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};

    private static Problem hartmann6() {
        SearchSpace.Builder b = SearchSpace.builder();
        for (int i = 1; i <= 6; i++) {
            b.continuous("x" + i, 0, 1);
        }
        return new Problem("hartmann6", b.build(), p -> {
            double sum = 0;
            for (int k = 0; k < 4; k++) {
                double inner = 0;
                for (int j = 0; j < 6; j++) {
                    double d = p.getDouble("x" + (j + 1)) - H_P[k][j];
                    inner += H_A[k][j] * d * d;
                }
                sum += H_ALPHA[k] * Math.exp(-inner);
            }
            return -sum;
        }, -3.32237);
    }
}
