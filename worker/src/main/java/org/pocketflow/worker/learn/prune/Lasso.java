package org.pocketflow.worker.learn.prune;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The LASSO step of He, Zhang and Sun 2017 ("Channel Pruning for Accelerating Very Deep Neural
 * Networks", equation 3): with the weights fixed, {@code min_beta (1/2N) ||Y - sum_j beta_j Z_j||^2
 * + lambda ||beta||_1}, where {@code Z_j = X_j W_j^T} is channel {@code j}'s contribution to the
 * consumer's output and {@code Y = sum_j Z_j}. Solved by cyclic coordinate descent on the Gram
 * form {@code (1/2) beta^T G beta - b^T beta + lambda ||beta||_1} with {@code G_jk = <Z_j, Z_k>} and
 * {@code b_j = <Z_j, Y>}; the paper's schedule "increase lambda until the number of non-zero
 * coefficients is at most c'" becomes a bisection on lambda. Stateless.
 */
final class Lasso {
    private static final int SWEEPS = 200;
    private static final int BISECTIONS = 40;
    private static final double TOLERANCE = 1e-10;

    private Lasso() {
    }

    /** Coordinate descent from {@code start}; returns beta. */
    static double[] solve(double[][] g, double[] b, double lambda, double[] start) {
        int c = b.length;
        double[] beta = start.clone();
        for (int sweep = 0; sweep < SWEEPS; sweep++) {
            double change = 0;
            for (int j = 0; j < c; j++) {
                if (g[j][j] <= 0) {
                    beta[j] = 0;
                    continue;
                }
                double r = b[j];
                for (int k = 0; k < c; k++) {
                    if (k != j) {
                        r -= g[j][k] * beta[k];
                    }
                }
                double next = Math.signum(r) * Math.max(0, Math.abs(r) - lambda) / g[j][j];
                change = Math.max(change, Math.abs(next - beta[j]));
                beta[j] = next;
            }
            if (change < TOLERANCE) {
                break;
            }
        }
        return beta;
    }

    /**
     * The {@code count} channels LASSO keeps: the non-zero coefficients at the smallest lambda (found
     * by bisection) with at most {@code count} of them, topped up by the largest {@code |beta|} at the
     * largest lambda with more than {@code count} (ties by index). Returns increasing indices.
     */
    static int[] select(double[][] g, double[] b, int count) {
        int c = b.length;
        if (count >= c) {
            return IntStream.range(0, c).toArray();
        }
        double hi = Arrays.stream(b).map(Math::abs).max().orElse(0) + 1e-12;
        double lo = 0;
        double[] betaHi = new double[c];
        double[] betaLo = solve(g, b, 0, fill(c, 1.0));
        for (int i = 0; i < BISECTIONS; i++) {
            double mid = (lo + hi) / 2;
            double[] beta = solve(g, b, mid, betaLo);
            if (nonZeros(beta) <= count) {
                hi = mid;
                betaHi = beta;
            } else {
                lo = mid;
                betaLo = beta;
            }
        }
        final double[] kept = betaHi;
        final double[] ranking = betaLo;
        Integer[] order = IntStream.range(0, c).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingInt(j -> kept[j] != 0 ? 0 : 1)
                .thenComparingDouble(j -> -Math.abs(kept[j] != 0 ? kept[j] : ranking[j]))
                .thenComparingInt(j -> j));
        return Arrays.stream(order, 0, count).mapToInt(Integer::intValue).sorted().toArray();
    }

    private static int nonZeros(double[] beta) {
        int n = 0;
        for (double v : beta) {
            if (v != 0) {
                n++;
            }
        }
        return n;
    }

    private static double[] fill(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }
}
