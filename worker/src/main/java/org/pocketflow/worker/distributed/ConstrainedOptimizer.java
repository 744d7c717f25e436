package org.pocketflow.worker.distributed;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.qsgd.ps.optim.Optimizer;
import org.pocketflow.worker.train.HookState;
import org.pocketflow.worker.train.StepHook;

/**
 * The server's optimizer with a learner's {@link StepHook} kept in force around each step, so that
 * a fine-tuning through the parameter server keeps the same constraint as a local one (sparsity
 * masks re-applied, quantized weights swapped in with their full-precision shadow updated,
 * codebooks refreshed). Workers only ever compute on the parameters the server publishes, which
 * are the constrained ones.
 *
 * <p><b>Call order</b>, mirroring {@code Trainer.fit}: {@link #initialParams} once (the hook's
 * {@code beforeStep(0)} on the starting network: version 0 of the server), then for every server
 * step {@code t} {@link #apply}: the wrapped optimizer's update, the hook's {@code afterStep(t)},
 * and {@code beforeStep(t + 1)}, or {@code finish} after the last step, so the final parameters the
 * server publishes are the finished, constrained network, the one {@link #graph()} holds.
 *
 * <p><b>Checkpoints.</b> {@link #state()} is the wrapped optimizer's; {@link #extraState()} is the
 * hook's own state (masks, shadow weights, codebooks) after {@code beforeStep} of the next step,
 * framed by {@link HookState}. A server resuming from a checkpoint calls {@link #resume} after
 * {@link #initialParams} (whose state it replaces): the hook takes the checkpoint's state and the network its parameters
 * (after the last step the hook's {@code finish} runs again, so its encodings exist), and the run
 * continues exactly as the uninterrupted one. {@link #name()} names the run's step count and the
 * hook's state layout, so a checkpoint of another learner or of a run of another length (whose
 * hook schedule differs) is refused before anything is restored.
 *
 * <p>Owns the graph and the hook (both belong to this one run); called by the server's one thread.
 */
public final class ConstrainedOptimizer implements Optimizer {
    private final Optimizer inner;
    private final StepHook hook;
    private final ComputationGraph graph;
    private final long totalSteps;
    /** The step whose {@code beforeStep} ran last (totalSteps after finish). */
    private long next;

    /**
     * @param graph the network being fine-tuned, with its starting parameters
     * @param totalSteps the steps of the run, as the hook's schedule sees them
     */
    public ConstrainedOptimizer(Optimizer inner, StepHook hook, ComputationGraph graph, long totalSteps) {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("a constrained run needs at least one step, but got " + totalSteps);
        }
        this.inner = inner;
        this.hook = hook;
        this.graph = graph;
        this.totalSteps = totalSteps;
    }

    /** The parameters of version 0: the starting network with the hook's constraint for step 0 applied. */
    public float[] initialParams() {
        hook.beforeStep(graph, 0, totalSteps);
        return graph.params().toFloatVector();
    }

    @Override
    public String name() {
        return inner.name() + "+" + totalSteps + " steps+" + hook.stateName();
    }

    @Override
    public void apply(long step, float[] params, float[] gradient) {
        inner.apply(step, params, gradient);
        INDArray flat = graph.params();
        flat.assign(Nd4j.createFromArray(params).reshape(flat.shape()));
        hook.afterStep(graph, step, totalSteps);
        if (step + 1 < totalSteps) {
            hook.beforeStep(graph, step + 1, totalSteps);
        } else {
            hook.finish(graph);
        }
        float[] constrained = graph.params().toFloatVector();
        System.arraycopy(constrained, 0, params, 0, params.length);
        next = step + 1;
    }

    @Override
    public float[] state() {
        return inner.state();
    }

    @Override
    public void restore(float[] state) {
        inner.restore(state);
    }

    @Override
    public byte[] extraState() {
        return HookState.encode(hook, next);
    }

    /** The hook takes {@code extra}'s state, the network {@code params}; finished again when {@code step} is the last. */
    @Override
    public void resume(long step, float[] params, byte[] extra) {
        if (step > totalSteps) {
            throw new IllegalStateException("the checkpoint is of step " + step + " but this run has " + totalSteps + " steps");
        }
        HookState.restore(extra, hook, step);
        INDArray flat = graph.params();
        flat.assign(Nd4j.createFromArray(params).reshape(flat.shape()));
        if (step == totalSteps) {
            hook.finish(graph);
        }
        next = step;
    }

    /** The network, holding the parameters of the last step applied (finished after the last). */
    public ComputationGraph graph() {
        return graph;
    }
}
