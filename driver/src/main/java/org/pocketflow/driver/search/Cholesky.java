package org.pocketflow.driver.search;

import java.util.Optional;

/**
 * The Cholesky factor L of a symmetric positive definite matrix A = L Lᵀ, with the triangular
 * solves a Gaussian process needs (Rasmussen and Williams 2006, Algorithm 2.1). Plain arrays: the
 * matrices here are at most a few hundred rows.
 */
final class Cholesky {
    private final double[][] l;

    private Cholesky(double[][] l) {
        this.l = l;
    }

    /** @return the factor of {@code a} (only its lower triangle is read), empty if {@code a} is not positive definite */
    static Optional<Cholesky> of(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                double[] li = l[i];
                double[] lj = l[j];
                for (int k = 0; k < j; k++) {
                    s -= li[k] * lj[k];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        return Optional.empty();
                    }
                    li[i] = Math.sqrt(s);
                } else {
                    li[j] = s / lj[j];
                }
            }
        }
        return Optional.of(new Cholesky(l));
    }

    /** @return x with L x = b */
    double[] solveLower(double[] b) {
        int n = l.length;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            double[] li = l[i];
            for (int k = 0; k < i; k++) {
                s -= li[k] * x[k];
            }
            x[i] = s / li[i];
        }
        return x;
    }

    /** @return x with Lᵀ x = b */
    double[] solveUpper(double[] b) {
        int n = l.length;
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = b[i];
            for (int k = i + 1; k < n; k++) {
                s -= l[k][i] * x[k];
            }
            x[i] = s / l[i][i];
        }
        return x;
    }

    /** @return A⁻¹ b */
    double[] solve(double[] b) {
        return solveUpper(solveLower(b));
    }

    /** @return log det A = 2 Σ log L_ii */
    double logDeterminant() {
        double s = 0;
        for (int i = 0; i < l.length; i++) {
            s += Math.log(l[i][i]);
        }
        return 2 * s;
    }
}
