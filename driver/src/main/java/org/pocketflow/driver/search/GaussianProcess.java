package org.pocketflow.driver.search;

import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;

import org.apache.commons.math3.exception.TooManyEvaluationsException;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;

/**
 * Gaussian-process regression with a Matérn-5/2 ARD kernel (Rasmussen and Williams 2006, eq. 4.17,
 * one length scale per input), signal variance and Gaussian noise; hyper-parameters chosen by
 * maximising the log marginal likelihood (eq. 2.30) with BOBYQA (Powell 2009) in log space, from a
 * default start and {@code restarts} random ones. Predictions follow Algorithm 2.1. Immutable.
 */
final class GaussianProcess {
    private static final double JITTER = 1e-8;
    private static final double LOG_2PI = Math.log(2 * Math.PI);
    private static final double LOG_LENGTH_MIN = Math.log(0.01);
    private static final double LOG_LENGTH_MAX = Math.log(20);
    private static final double LOG_SIGNAL_MIN = Math.log(0.01);
    private static final double LOG_SIGNAL_MAX = Math.log(20);
    private static final double LOG_NOISE_MIN = Math.log(1e-6);
    private static final double LOG_NOISE_MAX = Math.log(1);

    private final double[] lengthScales;
    private final double signal;
    private final double noise;
    private final double[][] x;
    private final Cholesky chol;
    private final double[] alpha;

    private GaussianProcess(double[] lengthScales, double signal, double noise, double[][] x, Cholesky chol,
                            double[] alpha) {
        this.lengthScales = lengthScales;
        this.signal = signal;
        this.noise = noise;
        this.x = x;
        this.chol = chol;
        this.alpha = alpha;
    }

    /**
     * @param x        inputs (rows), at least one
     * @param y        targets, standardised by the caller
     * @param rng      draws the random restarts
     * @param restarts random starting points besides the default one
     * @param maxEval  likelihood evaluations per start
     * @return the process with the best hyper-parameters found, conditioned on (x, y)
     */
    static GaussianProcess fit(double[][] x, double[] y, SplittableRandom rng, int restarts, int maxEval) {
        int d = x[0].length;
        int p = d + 2;
        double[] lower = new double[p];
        double[] upper = new double[p];
        for (int i = 0; i < d; i++) {
            lower[i] = LOG_LENGTH_MIN;
            upper[i] = LOG_LENGTH_MAX;
        }
        lower[d] = LOG_SIGNAL_MIN;
        upper[d] = LOG_SIGNAL_MAX;
        lower[d + 1] = LOG_NOISE_MIN;
        upper[d + 1] = LOG_NOISE_MAX;

        double[] bestTheta = new double[p];
        Arrays.fill(bestTheta, 0, d, Math.log(0.5));
        bestTheta[d] = 0;
        bestTheta[d + 1] = Math.log(1e-3);
        double[] best = {logMarginalLikelihood(x, y, bestTheta)};
        double[][] starts = new double[restarts + 1][];
        starts[0] = bestTheta.clone();
        for (int r = 1; r <= restarts; r++) {
            starts[r] = new double[p];
            for (int i = 0; i < p; i++) {
                starts[r][i] = lower[i] + rng.nextDouble() * (upper[i] - lower[i]);
            }
        }
        for (double[] start : starts) {
            ObjectiveFunction f = new ObjectiveFunction(theta -> {
                double v = logMarginalLikelihood(x, y, theta);
                if (v > best[0]) {
                    best[0] = v;
                    System.arraycopy(theta, 0, bestTheta, 0, p);
                }
                return v;
            });
            try {
                new BOBYQAOptimizer(2 * p + 1, 0.5, 1e-3).optimize(f, GoalType.MAXIMIZE, new InitialGuess(start),
                        new SimpleBounds(lower, upper), new MaxEval(maxEval));
            } catch (TooManyEvaluationsException e) {
                // the best point seen so far is kept by the objective itself
            }
        }
        return withHyperParameters(x, y, bestTheta);
    }

    /** @return the process with these hyper-parameters (log length scales, log signal, log noise), conditioned on (x, y) */
    static GaussianProcess withHyperParameters(double[][] x, double[] y, double[] theta) {
        int d = x[0].length;
        double[] ls = new double[d];
        for (int i = 0; i < d; i++) {
            ls[i] = Math.exp(theta[i]);
        }
        double signal = Math.exp(theta[d]);
        double noise = Math.exp(theta[d + 1]);
        double[][] k = covariance(x, ls, signal, noise);
        Cholesky c = factor(k);
        return new GaussianProcess(ls, signal, noise, x, c, c.solve(y));
    }

    /** @return the same hyper-parameters, conditioned on other data (e.g. with constant-liar points added) */
    GaussianProcess condition(double[][] x2, double[] y2) {
        double[][] k = covariance(x2, lengthScales, signal, noise);
        Cholesky c = factor(k);
        return new GaussianProcess(lengthScales, signal, noise, x2, c, c.solve(y2));
    }

    /** @return {mean, variance} of the latent function at {@code q} */
    double[] predict(double[] q) {
        int n = x.length;
        double[] ks = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            ks[i] = kernel(x[i], q, lengthScales, signal);
            mean += ks[i] * alpha[i];
        }
        double[] v = chol.solveLower(ks);
        double var = signal;
        for (double vi : v) {
            var -= vi * vi;
        }
        return new double[]{mean, Math.max(var, 1e-12)};
    }

    /** @return the fitted length scales (a copy) */
    double[] lengthScales() {
        return lengthScales.clone();
    }

    /** @return the fitted signal variance */
    double signal() {
        return signal;
    }

    /** @return the fitted noise variance */
    double noise() {
        return noise;
    }

    /** Eq. 2.30: −½ yᵀK⁻¹y − ½ log|K| − n/2 log 2π; −∞ where K is not positive definite. */
    static double logMarginalLikelihood(double[][] x, double[] y, double[] theta) {
        int d = x[0].length;
        double[] ls = new double[d];
        for (int i = 0; i < d; i++) {
            ls[i] = Math.exp(theta[i]);
        }
        double[][] k = covariance(x, ls, Math.exp(theta[d]), Math.exp(theta[d + 1]));
        Optional<Cholesky> c = Cholesky.of(k);
        if (c.isEmpty()) {
            return -1e300;
        }
        double[] a = c.get().solve(y);
        double fit = 0;
        for (int i = 0; i < y.length; i++) {
            fit += y[i] * a[i];
        }
        return -0.5 * fit - 0.5 * c.get().logDeterminant() - 0.5 * y.length * LOG_2PI;
    }

    private static Cholesky factor(double[][] k) {
        for (double extra = 0; ; extra = extra == 0 ? 1e-6 : extra * 10) {
            if (extra > 0) {
                for (int i = 0; i < k.length; i++) {
                    k[i][i] += extra;
                }
            }
            Optional<Cholesky> c = Cholesky.of(k);
            if (c.isPresent()) {
                return c.get();
            }
            if (extra > 1) {
                throw new IllegalStateException("GP covariance is not positive definite even with jitter " + extra);
            }
        }
    }

    private static double[][] covariance(double[][] x, double[] ls, double signal, double noise) {
        int n = x.length;
        double[][] k = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                k[i][j] = kernel(x[i], x[j], ls, signal);
                k[j][i] = k[i][j];
            }
            k[i][i] = signal + noise + JITTER;
        }
        return k;
    }

    /** Matérn 5/2: σ² (1 + √5 r + 5r²/3) exp(−√5 r), r the length-scaled distance. */
    static double kernel(double[] a, double[] b, double[] ls, double signal) {
        double r2 = 0;
        for (int i = 0; i < a.length; i++) {
            double t = (a[i] - b[i]) / ls[i];
            r2 += t * t;
        }
        double s5r = Math.sqrt(5 * r2);
        return signal * (1 + s5r + 5 * r2 / 3) * Math.exp(-s5r);
    }
}
