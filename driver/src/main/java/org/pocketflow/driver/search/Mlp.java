package org.pocketflow.driver.search;

import java.util.SplittableRandom;

/**
 * A small fully connected network on plain arrays, for {@link DdpgAgent}'s actor and critic:
 * ReLU hidden layers, a linear or sigmoid output, back-propagation to the parameters and to the
 * input (the actor's gradient flows through the critic's action input), and Adam (Kingma and Ba,
 * ICLR 2015, Algorithm 1). Mutable; owned by one agent.
 */
final class Mlp {
    private final int[] sizes;
    private final boolean sigmoidOut;
    private final double[][][] w;
    private final double[][] b;
    private final double[][][] mw;
    private final double[][][] vw;
    private final double[][] mb;
    private final double[][] vb;
    private int steps;

    /**
     * Weights uniform in ±1/√fan-in, the output layer in ±3e-3 so initial outputs are near neutral
     * (Lillicrap et al. 2016, §7).
     */
    Mlp(int[] sizes, boolean sigmoidOut, SplittableRandom rng) {
        this(sizes, sigmoidOut);
        for (int l = 0; l < w.length; l++) {
            double bound = l == w.length - 1 ? 3e-3 : 1 / Math.sqrt(sizes[l]);
            for (int o = 0; o < w[l].length; o++) {
                for (int i = 0; i < w[l][o].length; i++) {
                    w[l][o][i] = (2 * rng.nextDouble() - 1) * bound;
                }
                b[l][o] = (2 * rng.nextDouble() - 1) * bound;
            }
        }
    }

    /** Zero weights and optimiser state of the given shape. */
    private Mlp(int[] sizes, boolean sigmoidOut) {
        this.sizes = sizes.clone();
        this.sigmoidOut = sigmoidOut;
        int layers = sizes.length - 1;
        w = new double[layers][][];
        b = new double[layers][];
        mw = new double[layers][][];
        vw = new double[layers][][];
        mb = new double[layers][];
        vb = new double[layers][];
        for (int l = 0; l < layers; l++) {
            int in = sizes[l];
            int out = sizes[l + 1];
            w[l] = new double[out][in];
            b[l] = new double[out];
            mw[l] = new double[out][in];
            vw[l] = new double[out][in];
            mb[l] = new double[out];
            vb[l] = new double[out];
        }
    }

    /** @return a copy of the weights with fresh optimiser state (for a target network) */
    Mlp copy() {
        Mlp c = new Mlp(sizes, sigmoidOut);
        for (int l = 0; l < w.length; l++) {
            for (int o = 0; o < w[l].length; o++) {
                System.arraycopy(w[l][o], 0, c.w[l][o], 0, w[l][o].length);
            }
            System.arraycopy(b[l], 0, c.b[l], 0, b[l].length);
        }
        return c;
    }

    /** @return the activations of every layer, input first; the last is the output */
    double[][] forward(double[] x) {
        double[][] act = new double[w.length + 1][];
        act[0] = x;
        for (int l = 0; l < w.length; l++) {
            double[] in = act[l];
            double[] out = new double[w[l].length];
            boolean last = l == w.length - 1;
            for (int o = 0; o < out.length; o++) {
                double s = b[l][o];
                double[] row = w[l][o];
                for (int i = 0; i < in.length; i++) {
                    s += row[i] * in[i];
                }
                out[o] = last ? (sigmoidOut ? 1 / (1 + Math.exp(-s)) : s) : Math.max(0, s);
            }
            act[l + 1] = out;
        }
        return act;
    }

    /** @return the network's output for {@code x} */
    double[] output(double[] x) {
        double[][] a = forward(x);
        return a[a.length - 1];
    }

    /** @return zeroed gradient buffers shaped like the parameters: {weights..., biases...} per layer */
    double[][][] zeroGradient() {
        double[][][] g = new double[2 * w.length][][];
        for (int l = 0; l < w.length; l++) {
            g[l] = new double[w[l].length][w[l][0].length];
            g[w.length + l] = new double[][]{new double[b[l].length]};
        }
        return g;
    }

    /**
     * Back-propagates dLoss/dOutput through the activations of one {@link #forward} call.
     *
     * @param grad accumulates dLoss/dParameters when not null
     * @return dLoss/dInput
     */
    double[] backward(double[][] act, double[] dOut, double[][][] grad) {
        double[] delta = dOut.clone();
        for (int l = w.length - 1; l >= 0; l--) {
            double[] out = act[l + 1];
            for (int o = 0; o < delta.length; o++) {
                if (l == w.length - 1) {
                    delta[o] *= sigmoidOut ? out[o] * (1 - out[o]) : 1;
                } else if (out[o] <= 0) {
                    delta[o] = 0;
                }
            }
            double[] in = act[l];
            double[] dIn = new double[in.length];
            for (int o = 0; o < delta.length; o++) {
                double d = delta[o];
                if (d == 0) {
                    continue;
                }
                double[] row = w[l][o];
                if (grad != null) {
                    double[] g = grad[l][o];
                    for (int i = 0; i < in.length; i++) {
                        g[i] += d * in[i];
                    }
                    grad[w.length + l][0][o] += d;
                }
                for (int i = 0; i < in.length; i++) {
                    dIn[i] += d * row[i];
                }
            }
            delta = dIn;
        }
        return delta;
    }

    /** One Adam step (β1 0.9, β2 0.999, ε 1e-8) along the gradient divided by {@code batch}: descends the loss. */
    void adam(double[][][] grad, double lr, int batch) {
        steps++;
        double c1 = 1 - Math.pow(0.9, steps);
        double c2 = 1 - Math.pow(0.999, steps);
        for (int l = 0; l < w.length; l++) {
            for (int o = 0; o < w[l].length; o++) {
                for (int i = 0; i < w[l][o].length; i++) {
                    w[l][o][i] -= adamDelta(grad[l][o][i] / batch, mw[l][o], vw[l][o], i, lr, c1, c2);
                }
                b[l][o] -= adamDelta(grad[w.length + l][0][o] / batch, mb[l], vb[l], o, lr, c1, c2);
            }
        }
    }

    private static double adamDelta(double g, double[] m, double[] v, int i, double lr, double c1, double c2) {
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.999 * v[i] + 0.001 * g * g;
        return lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-8);
    }

    /** θ ← τ θ_src + (1 − τ) θ: the soft target update of Lillicrap et al. 2016, Algorithm 1. */
    void softUpdateFrom(Mlp src, double tau) {
        for (int l = 0; l < w.length; l++) {
            for (int o = 0; o < w[l].length; o++) {
                for (int i = 0; i < w[l][o].length; i++) {
                    w[l][o][i] = tau * src.w[l][o][i] + (1 - tau) * w[l][o][i];
                }
                b[l][o] = tau * src.b[l][o] + (1 - tau) * b[l][o];
            }
        }
    }
}
