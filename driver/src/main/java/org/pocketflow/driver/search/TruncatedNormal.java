package org.pocketflow.driver.search;

import java.util.SplittableRandom;

import org.apache.commons.math3.special.Erf;

/** The normal distribution and its truncation to an interval: density, mass and inverse-CDF draws. */
final class TruncatedNormal {
    private static final double SQRT2 = Math.sqrt(2.0);
    private static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

    private TruncatedNormal() {
    }

    /** @return the standard normal CDF at {@code z} */
    static double cdf(double z) {
        return 0.5 * Erf.erfc(-z / SQRT2);
    }

    /** @return the standard normal density at {@code z} */
    static double pdf(double z) {
        return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
    }

    /** @return the mass of N(mu, sigma) on [lo, hi] */
    static double mass(double mu, double sigma, double lo, double hi) {
        return cdf((hi - mu) / sigma) - cdf((lo - mu) / sigma);
    }

    /**
     * Draws from N(mu, sigma) truncated to [lo, hi] by inverting the CDF; falls back to the nearer
     * bound when the interval holds no numerically visible mass.
     */
    static double sample(SplittableRandom rng, double mu, double sigma, double lo, double hi) {
        double a = cdf((lo - mu) / sigma);
        double b = cdf((hi - mu) / sigma);
        if (!(b - a > 1e-12)) {
            return mu < lo ? lo : hi;
        }
        double p = a + rng.nextDouble() * (b - a);
        p = Math.min(1 - 1e-16, Math.max(1e-300, p));
        double x = mu - sigma * SQRT2 * Erf.erfcInv(2 * p);
        return Math.min(hi, Math.max(lo, x));
    }

    /** @return a standard normal draw (Box-Muller) */
    static double standard(SplittableRandom rng) {
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
