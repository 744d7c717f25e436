package org.pocketflow.qsgd.ps.optim;

/**
 * SGD with momentum on plain arrays, with the semantics of DL4J's updaters so that training
 * through the server follows the same update as local training.
 *
 * <p>Classical momentum (Polyak 1964): {@code v ← μv − ηg; θ ← θ + v}. Nesterov momentum in the
 * reformulation of Bengio, Boulanger-Lewandowski and Pascanu (2013), which is what DL4J's {@code
 * Nesterovs} updater computes: {@code v' ← μv − ηg; θ ← θ − μv + (1 + μ)v'}. With μ = 0 both are
 * plain SGD. The state is the velocity {@code v}, one float per parameter, zero at the start.
 */
public final class SgdOptimizer implements Optimizer {
    private final SgdParams params;
    private final float[] velocity;

    SgdOptimizer(SgdParams params, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("optimizer size must be >= 1, but got " + size);
        }
        this.params = params;
        this.velocity = new float[size];
    }

    @Override
    public String name() {
        return "sgd(lr=" + params.learningRate() + ",momentum=" + params.momentum() + ",nesterov=" + params.nesterov() + ")";
    }

    @Override
    public void apply(float[] theta, float[] gradient) {
        if (theta.length != velocity.length || gradient.length != velocity.length) {
            throw new IllegalArgumentException("optimizer of size " + velocity.length + " got parameters of " + theta.length
                    + " and a gradient of " + gradient.length);
        }
        float lr = (float) params.learningRate();
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
