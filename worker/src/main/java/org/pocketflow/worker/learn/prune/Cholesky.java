package org.pocketflow.worker.learn.prune;

/** Solves {@code A X = B} for a symmetric positive-definite {@code A} by Cholesky factorisation. */
final class Cholesky {
    private Cholesky() {
    }

    /**
     * @param a    symmetric positive definite, {@code [n][n]}, of which only the lower triangle is read
     *             (row {@code i} may hold just columns {@code 0..i}); overwritten by its Cholesky
     *             factor, so that a large system does not take twice its size
     * @param b    right-hand sides, {@code [n][m]}; not modified
     * @param what named in the error when {@code a} is not positive definite
     * @return {@code X [n][m]}
     */
    static double[][] solve(double[][] a, double[][] b, String what) {
        int n = a.length;
        double[][] l = a;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        throw new IllegalStateException("least-squares system of " + what + " is not positive "
                                + "definite (pivot " + s + " at " + i + "); use more calibration images");
                    }
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        // both substitutions run along rows of the right-hand sides (one pass over L per row, not per
        // column): the same operations in the same order as column by column, without striding down
        // L's columns once per right-hand side
        int m = b[0].length;
        double[][] y = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] s = b[i].clone();
            for (int k = 0; k < i; k++) {
                double f = l[i][k];
                double[] yk = y[k];
                for (int c = 0; c < m; c++) {
                    s[c] -= f * yk[c];
                }
            }
            for (int c = 0; c < m; c++) {
                s[c] /= l[i][i];
            }
            y[i] = s;
        }
        double[][] x = new double[n][];
        for (int i = n - 1; i >= 0; i--) {
            double[] s = y[i];
            for (int k = i + 1; k < n; k++) {
                double f = l[k][i];
                double[] xk = x[k];
                for (int c = 0; c < m; c++) {
                    s[c] -= f * xk[c];
                }
            }
            for (int c = 0; c < m; c++) {
                s[c] /= l[i][i];
            }
            x[i] = s;
        }
        return x;
    }
}
