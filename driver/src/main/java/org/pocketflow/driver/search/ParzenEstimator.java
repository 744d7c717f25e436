package org.pocketflow.driver.search;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The adaptive Parzen estimator of Bergstra et al. 2011 (§4.1) on the unit interval: a mixture of
 * Gaussians truncated to [0, 1], one per observation plus a prior component N(0.5, 1) of weight
 * {@code priorWeight}. Each observation's bandwidth is the larger distance to its neighbours in the
 * sorted centres (prior included), clipped to [1 / min(100, n + 1), 1], so that isolated points
 * spread and clusters sharpen as observations accumulate. Immutable.
 */
final class ParzenEstimator {
    private static final double PRIOR_MU = 0.5;
    private static final double PRIOR_SIGMA = 1.0;

    private final double[] mu;
    private final double[] sigma;
    private final double[] weight;
    private final double[] norm;

    /**
     * @param observations unit coordinates of the observations in this group (may be empty)
     * @param priorWeight  weight of the prior component relative to one observation, > 0
     */
    ParzenEstimator(double[] observations, double priorWeight) {
        int n = observations.length;
        mu = new double[n + 1];
        sigma = new double[n + 1];
        weight = new double[n + 1];
        norm = new double[n + 1];
        double[] sorted = Arrays.copyOf(observations, n + 1);
        sorted[n] = PRIOR_MU;
        Arrays.sort(sorted);
        double minSigma = PRIOR_SIGMA / Math.min(100.0, n + 1.0);
        for (int j = 0; j < n; j++) {
            double x = observations[j];
            int k = Arrays.binarySearch(sorted, x);
            double left = k > 0 ? x - sorted[k - 1] : x;
            double right = k < n ? sorted[k + 1] - x : 1 - x;
            mu[j] = x;
            sigma[j] = Math.min(PRIOR_SIGMA, Math.max(minSigma, Math.max(left, right)));
            weight[j] = 1.0;
        }
        mu[n] = PRIOR_MU;
        sigma[n] = PRIOR_SIGMA;
        weight[n] = priorWeight;
        double total = n + priorWeight;
        for (int j = 0; j <= n; j++) {
            weight[j] /= total;
            norm[j] = TruncatedNormal.mass(mu[j], sigma[j], 0, 1);
        }
    }

    /** @return a draw: a component chosen by weight, then its truncated Gaussian */
    double sample(SplittableRandom rng) {
        double r = rng.nextDouble();
        int j = 0;
        while (j < weight.length - 1 && (r -= weight[j]) > 0) {
            j++;
        }
        return TruncatedNormal.sample(rng, mu[j], sigma[j], 0, 1);
    }

    /** @return the log density at {@code u} in [0, 1] */
    double logDensity(double u) {
        double p = 0;
        for (int j = 0; j < mu.length; j++) {
            double z = (u - mu[j]) / sigma[j];
            p += weight[j] * TruncatedNormal.pdf(z) / (sigma[j] * norm[j]);
        }
        return Math.log(Math.max(p, Double.MIN_NORMAL));
    }

    /** @return the log of the mass on [a, b] within [0, 1]: the quantised density of an integer bin */
    double logMass(double a, double b) {
        double p = 0;
        for (int j = 0; j < mu.length; j++) {
            p += weight[j] * TruncatedNormal.mass(mu[j], sigma[j], a, b) / norm[j];
        }
        return Math.log(Math.max(p, Double.MIN_NORMAL));
    }
}
