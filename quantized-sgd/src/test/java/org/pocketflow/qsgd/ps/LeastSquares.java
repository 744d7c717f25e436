package org.pocketflow.qsgd.ps;

import java.util.SplittableRandom;

/**
 * A least-squares problem split over workers: {@code y = X w* + noise}, each worker owning its
 * rows; the gradient of the mean squared error on a minibatch that depends only on (seed, worker,
 * step), so runs are reproducible.
 */
final class LeastSquares {
    final int dim;
    final float[] truth;
    private final float[][][] x;
    private final float[][] y;
    private final int batch;
    private final long seed;

    LeastSquares(long seed, int workers, int dim, int rowsPerWorker, int batch) {
        this.dim = dim;
        this.batch = batch;
        this.seed = seed;
        SplittableRandom r = new SplittableRandom(seed);
        truth = new float[dim];
        for (int j = 0; j < dim; j++) {
            truth[j] = (float) gaussian(r);
        }
        x = new float[workers][rowsPerWorker][dim];
        y = new float[workers][rowsPerWorker];
        for (int w = 0; w < workers; w++) {
            for (int i = 0; i < rowsPerWorker; i++) {
                double dot = 0;
                for (int j = 0; j < dim; j++) {
                    x[w][i][j] = (float) gaussian(r);
                    dot += x[w][i][j] * truth[j];
                }
                y[w][i] = (float) (dot + 0.01 * gaussian(r));
            }
        }
    }

    float[] gradient(int worker, long step, float[] theta) {
        SplittableRandom r = new SplittableRandom(seed * 31 + worker * 1_000_003L + step);
        float[] g = new float[dim];
        int rows = x[worker].length;
        for (int b = 0; b < batch; b++) {
            int i = r.nextInt(rows);
            float err = -y[worker][i];
            for (int j = 0; j < dim; j++) {
                err += x[worker][i][j] * theta[j];
            }
            for (int j = 0; j < dim; j++) {
                g[j] += 2f * err * x[worker][i][j] / batch;
            }
        }
        return g;
    }

    /** ‖θ − w*‖ / ‖w*‖. */
    double relativeError(float[] theta) {
        double num = 0;
        double den = 0;
        for (int j = 0; j < dim; j++) {
            num += (theta[j] - truth[j]) * (double) (theta[j] - truth[j]);
            den += truth[j] * (double) truth[j];
        }
        return Math.sqrt(num / den);
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
