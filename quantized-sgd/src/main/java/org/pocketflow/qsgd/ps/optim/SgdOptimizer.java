package org.pocketflow.qsgd.ps.optim;

import java.util.BitSet;

/**
 * SGD with momentum on plain arrays, with the semantics of DL4J's updaters so that training
 * through the server follows the same update as local training.
 *
 * <p>Classical momentum (Polyak 1964): {@code v ← μv − ηg; θ ← θ + v}. Nesterov momentum in the
 * reformulation of Bengio, Boulanger-Lewandowski and Pascanu (2013), which is what DL4J's {@code
 * Nesterovs} updater computes: {@code v' ← μv − ηg; θ ← θ − μv + (1 + μ)v'}. With μ = 0 both are
 * plain SGD. η = η(t) comes from the schedule. Decoupled weight decay, as DL4J's {@code
 * WeightDecay} (applied after the updater, scaled by the learning rate), then subtracts
 * {@code η(t)·λ·θ} (θ before this step) from the decayed parameters. Parameters in the direct set
 * receive updates rather than gradients (batch norm's running mean and variance, which DL4J moves
 * with its {@code NoOp} updater): {@code θ ← θ − g}, no rate, momentum or decay. The state is the
 * velocity {@code v}, one float per parameter, zero at the start.
 *
 * <p><b>Rounding as DL4J's.</b> Where the update reproduces DL4J's, it is computed in DL4J's
 * float operations and order: the Nesterov step and the weight decay fused as the kernels of
 * the pinned {@code nd4j-native} build (AVX2, with fused multiply-adds) compute them, the decay
 * added to the update and the sum subtracted from θ. Batch-normalised networks amplify a
 * difference of one rounding step per update to about 1e-4 in three steps, so an update equal
 * only up to rounding would not reproduce local training.
 */
public final class SgdOptimizer implements Optimizer {
    private final SgdParams params;
    private final float[] velocity;
    private final BitSet decayed;
    private final BitSet direct;

    SgdOptimizer(SgdParams params, int size, BitSet decayed, BitSet direct) {
        if (size < 1) {
            throw new IllegalArgumentException("optimizer size must be >= 1, but got " + size);
        }
        if (decayed.length() > size) {
            throw new IllegalArgumentException("optimizer of size " + size + " was asked to decay parameter "
                    + (decayed.length() - 1));
        }
        this.params = params;
        this.velocity = new float[size];
        if (direct.length() > size || direct.intersects(decayed)) {
            throw new IllegalArgumentException("optimizer of size " + size + " was given direct parameters outside it "
                    + "or among the decayed ones: " + direct.length() + " / " + direct.intersects(decayed));
        }
        this.decayed = (BitSet) decayed.clone();
        this.direct = (BitSet) direct.clone();
    }

    @Override
    public String name() {
        String base = "sgd(lr=" + params.schedule().name() + ",momentum=" + params.momentum() + ",nesterov=" + params.nesterov()
                + (direct.isEmpty() ? "" : ",direct=" + direct.cardinality());
        return params.weightDecay() == 0 ? base + ")"
                : base + ",weightDecay=" + params.weightDecay() + " on " + decayed.cardinality() + ")";
    }

    @Override
    public void apply(long step, float[] theta, float[] gradient) {
        if (theta.length != velocity.length || gradient.length != velocity.length) {
            throw new IllegalArgumentException("optimizer of size " + velocity.length + " got parameters of " + theta.length
                    + " and a gradient of " + gradient.length);
        }
        double rate = params.schedule().at(step);
        float lr = (float) rate;
        float decay = (float) (rate * params.weightDecay());
        float mu = (float) params.momentum();
        for (int i = 0; i < theta.length; i++) {
            if (direct.get(i)) {
                theta[i] -= gradient[i];
                continue;
            }
            float update = update(i, lr, mu, gradient[i]);
            if (decay != 0f && decayed.get(i)) {
                // DL4J's WeightDecay adds λη·θ (the old θ) to the update, fused
                update = Math.fma(decay, theta[i], update);
            }
            theta[i] -= update;
        }
    }

    /** The amount parameter {@code i} moves down before weight decay, advancing its velocity. */
    private float update(int i, float lr, float mu, float g) {
        if (mu == 0f) {
            return lr * g;
        }
        float prev = velocity[i];
        if (params.nesterov()) {
            // DL4J's Nesterovs, rounded as its kernel rounds: v' = fma(μ, v, −ηg), update = fma(μ, v, (−μ − 1)·v')
            float v = Math.fma(mu, prev, -(lr * g));
            velocity[i] = v;
            return Math.fma(mu, prev, (-mu - 1f) * v);
        }
        float v = mu * prev - lr * g;
        velocity[i] = v;
        return -v;
    }

    @Override
    public float[] state() {
        return velocity.clone();
    }

    @Override
    public void restore(float[] state) {
        if (state.length != velocity.length) {
            throw new IllegalArgumentException("optimizer state of " + state.length + " floats cannot restore an optimizer of size "
                    + velocity.length);
        }
        System.arraycopy(state, 0, velocity, 0, state.length);
    }
}
