package org.pocketflow.driver.search;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The DDPG learner of {@link DdpgSampler} (Lillicrap et al., "Continuous control with deep
 * reinforcement learning", ICLR 2016, Algorithm 1): actor μ(s) ∈ [0, 1] (sigmoid output), critic
 * Q(s, a), their target copies, and a ring replay buffer. One {@link #update} samples a minibatch,
 * regresses Q(s, a) onto y = r + γ (1 − done) Q'(s', μ'(s')), moves the actor along ∇ₐQ(s, μ(s)),
 * and soft-updates both targets. Mutable; owned by one sampler, never shared.
 */
final class DdpgAgent {
    /** One step of an episode; {@code next} is null on the last step. */
    record Transition(double[] state, double action, double reward, double[] next) {
    }

    private final DdpgSampler.Settings settings;
    private final Mlp actor;
    private final Mlp critic;
    private final Mlp actorTarget;
    private final Mlp criticTarget;
    private final Transition[] buffer;
    private int stored;
    private int head;

    DdpgAgent(int stateDim, DdpgSampler.Settings settings, SplittableRandom init) {
        this.settings = settings;
        int h = settings.hidden();
        actor = new Mlp(new int[]{stateDim, h, h, 1}, true, init);
        critic = new Mlp(new int[]{stateDim + 1, h, h, 1}, false, init);
        actorTarget = actor.copy();
        criticTarget = critic.copy();
        buffer = new Transition[settings.bufferSize()];
    }

    /** @return μ(s) */
    double act(double[] state) {
        return actor.output(state)[0];
    }

    /** Stores a transition, overwriting the oldest when full. */
    void remember(Transition t) {
        buffer[head] = t;
        head = (head + 1) % buffer.length;
        stored = Math.min(stored + 1, buffer.length);
    }

    /** @return the number of stored transitions */
    int stored() {
        return stored;
    }

    /** One minibatch step of critic, actor and targets; minibatch drawn with replacement from {@code rng}. */
    void update(SplittableRandom rng) {
        if (stored == 0) {
            return;
        }
        int batch = Math.min(settings.batchSize(), stored);
        Transition[] mini = new Transition[batch];
        for (int i = 0; i < batch; i++) {
            mini[i] = buffer[rng.nextInt(stored)];
        }
        double[][][] gc = critic.zeroGradient();
        for (Transition t : mini) {
            double y = t.reward();
            if (t.next() != null) {
                double a2 = actorTarget.output(t.next())[0];
                y += settings.discount() * criticTarget.output(withAction(t.next(), a2))[0];
            }
            double[][] act = critic.forward(withAction(t.state(), t.action()));
            double q = act[act.length - 1][0];
            critic.backward(act, new double[]{2 * (q - y)}, gc);
        }
        critic.adam(gc, settings.criticLearningRate(), batch);

        double[][][] ga = actor.zeroGradient();
        int a = mini[0].state().length;
        for (Transition t : mini) {
            double[][] actAct = actor.forward(t.state());
            double mu = actAct[actAct.length - 1][0];
            double[][] qAct = critic.forward(withAction(t.state(), mu));
            double dQda = critic.backward(qAct, new double[]{1}, null)[a];
            actor.backward(actAct, new double[]{-dQda}, ga);
        }
        actor.adam(ga, settings.actorLearningRate(), batch);
        actorTarget.softUpdateFrom(actor, settings.tau());
        criticTarget.softUpdateFrom(critic, settings.tau());
    }

    private static double[] withAction(double[] state, double action) {
        double[] x = Arrays.copyOf(state, state.length + 1);
        x[state.length] = action;
        return x;
    }
}
