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
        if (decay != 0f) {
            // DL4J adds λη·θ to the update before θ changes; do the same on the old θ, then step
            for (int i = decayed.nextSetBit(0); i >= 0; i = decayed.nextSetBit(i + 1)) {
                theta[i] -= decay * theta[i];
            }
        }
        float[] held = new float[direct.cardinality()];
        int k = 0;
        for (int i = direct.nextSetBit(0); i >= 0; i = direct.nextSetBit(i + 1)) {
            held[k++] = theta[i] - gradient[i];
        }
        float mu = (float) params.momentum();
        if (mu == 0f) {
            for (int i = 0; i < theta.length; i++) {
                theta[i] -= lr * gradient[i];
            }
        } else if (params.nesterov()) {
            for (int i = 0; i < theta.length; i++) {
                float prev = velocity[i];
                float v = mu * prev - lr * gradient[i];
                velocity[i] = v;
                theta[i] += -mu * prev + (1f + mu) * v;
            }
        } else {
            for (int i = 0; i < theta.length; i++) {
                float v = mu * velocity[i] - lr * gradient[i];
                velocity[i] = v;
                theta[i] += v;
            }
        }
        k = 0;
        for (int i = direct.nextSetBit(0); i >= 0; i = direct.nextSetBit(i + 1)) {
            theta[i] = held[k++];
            velocity[i] = 0;
        }
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
