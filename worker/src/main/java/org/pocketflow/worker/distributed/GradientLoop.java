package org.pocketflow.worker.distributed;

import java.util.BitSet;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import java.util.function.LongFunction;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.EncoderState;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.ps.ParameterSnapshot;
import org.pocketflow.qsgd.ps.WorkerClient;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.worker.train.ReplicaStep;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.UpdaterPositions;

/**
 * One worker's exchange with the parameter server, whatever it trains: until the server sends the
 * final parameters, set the parameters it received, compute the gradient of the minibatch for that
 * parameter version with DL4J ({@code computeGradientAndScore}; DL4J's updater is never applied,
 * the server's optimizer owns the update), divide it by the minibatch size as DL4J's updater would
 * (except batch norm's running statistics, {@link UpdaterPositions#updatedDirectly}), encode it with
 * this worker's encoder and push it. On several OpenMP threads the gradient may be computed by copies
 * of the network on shares of the minibatch ({@link ReplicaStep}), summed as one computation would.
 *
 * <p><b>Call order.</b> Construct, then {@link #run} once with a fresh client; or {@link #report}
 * alone for a worker that never joined. Owns its mutable state; one thread.
 *
 * <p><b>Waiting.</b> The client waits in slices of its own timeout; between slices the loop looks
 * at the thread's interrupt flag (Spark interrupts a cancelled task), so a cancelled worker ends
 * within one slice instead of after the whole wait, with a {@link CancellationException}.
 */
public final class GradientLoop {
    private final int workerId;
    private final int attempt;
    private final ComputationGraph graph;
    private final GradientEncoder encoder;
    private final BitSet direct;
    private final LongFunction<DataSet> batches;
    private final Settings settings;
    private final Consumer<String> progress;
    private long steps;
    private long samples;
    private long bytes;
    private double lossSum;
    private long computeNanos;
    private long waitNanos;
    private ReplicaStep copies;

    /**
     * What a loop needs besides its network and data.
     *
     * @param server          the server's address, for messages
     * @param waitMillis      how long the worker waits for parameters before it leaves
     * @param logEverySteps   a progress line every this many steps
     * @param learningRateKey the key and value named when the loss diverges, e.g. {@code "pocketflow.train.learning-rate (now 0.1)"}
     * @param hook            called after every push
     * @param replicas        copies of the network computing each gradient ({@link ReplicaStep#of}; the
     *                        training spec's {@code replicas})
     */
    public record Settings(Address server, long waitMillis, int logEverySteps, String learningRateKey, WorkerHook hook,
                           int replicas) {
        /** Settings whose gradients the network alone computes. */
        public Settings(Address server, long waitMillis, int logEverySteps, String learningRateKey, WorkerHook hook) {
            this(server, waitMillis, logEverySteps, learningRateKey, hook, 1);
        }
    }

    /**
     * @param batches the minibatch to compute on parameters of server version {@code step}
     */
    public GradientLoop(int workerId, int attempt, ComputationGraph graph, GradientEncoder encoder,
                        LongFunction<DataSet> batches, Settings settings, Consumer<String> progress) {
        this.workerId = workerId;
        this.attempt = attempt;
        this.graph = graph;
        Trainer.keepForwardResults(graph);
        Trainer.useFasterBackprop(graph);
        this.encoder = encoder;
        this.direct = UpdaterPositions.updatedDirectly(graph);
        this.batches = batches;
        this.settings = settings;
        this.progress = progress;
    }

    /**
     * Joins and trains until the final parameters, which are left in the graph.
     *
     * @throws IllegalStateException if a first attempt cannot join (the server is not there)
     * @throws CancellationException if the thread is interrupted
     */
    public WorkerReport run(WorkerClient client) {
        try {
            return exchange(client);
        } finally {
            if (copies != null) {
                copies.close();
            }
        }
    }

    private WorkerReport exchange(WorkerClient client) {
        ParameterSnapshot p;
        try {
            p = await(client, -1);
        } catch (IllegalStateException e) {
            if (attempt == 0) {
                throw e;
            }
            return report(WorkerReport.Outcome.LEFT, "attempt " + attempt + " could not rejoin: " + e.getMessage());
        }
        restoreEncoder(client);
        while (!p.last()) {
            long t0 = System.nanoTime();
            setParams(p.values());
            DataSet batch = batches.apply(p.step());
            EncodedGradient message = encoder.encode(gradient(batch));
            computeNanos += System.nanoTime() - t0;
            boolean reached = !client.stateRequested(p.step()) || client.pushState(p.step(), encoder.snapshot());
            if (!reached || !client.push(p.step(), message)) {
                return report(WorkerReport.Outcome.LEFT, "the server at " + settings.server() + " could not be reached");
            }
            steps++;
            samples += batch.numExamples();
            bytes += message.sizeBytes();
            settings.hook().afterPush(workerId, attempt, p.step());
            if (steps % settings.logEverySteps() == 0) {
                progress.accept(String.format("worker %d step %d (server version %d) loss %.4f, %.0f samples/s computing",
                        workerId, steps, p.step(), lossSum / steps, samples / (computeNanos / 1e9)));
            }
            long t1 = System.nanoTime();
            try {
                p = await(client, p.step() + 1);
            } catch (IllegalStateException e) {
                return report(WorkerReport.Outcome.LEFT, e.getMessage());
            } finally {
                waitNanos += System.nanoTime() - t1;
            }
        }
        setParams(p.values());
        return report(WorkerReport.Outcome.FINISHED, "");
    }

    /**
     * Continues the encoder from the state the server handed back after resuming from its
     * checkpoint (residual and message count), so error feedback resumes where it stopped.
     */
    private void restoreEncoder(WorkerClient client) {
        EncoderState state = client.takeRestoredState();
        if (state == null) {
            return;
        }
        try {
            encoder.restore(state);
            progress.accept("worker " + workerId + " continues its encoder from the checkpoint: " + state);
        } catch (UnsupportedOperationException e) {
            progress.accept("worker " + workerId + " starts its encoder afresh: " + e.getMessage());
        }
    }

    /** Parameters of version {@code minStep} or later ({@code -1}: join), waiting in slices of the client's timeout. */
    private ParameterSnapshot await(WorkerClient client, long minStep) {
        long deadline = System.nanoTime() + settings.waitMillis() * 1_000_000L;
        while (true) {
            try {
                return minStep < 0 ? client.join() : client.awaitParams(minStep);
            } catch (IllegalStateException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("worker " + workerId + " cancelled while waiting for the server");
                }
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    private float[] gradient(DataSet batch) {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("worker " + workerId + " cancelled after " + steps + " steps");
        }
        if (steps == 0 && copies == null) {
            copies = ReplicaStep.of(graph, settings.replicas(), batch.numExamples());
            if (copies != null) {
                progress.accept("worker " + workerId + " computes each gradient with " + copies
                        + " (pocketflow.train.replicas)");
            }
        }
        double loss;
        if (copies == null || !ReplicaStep.handles(batch)) {
            graph.setInputs(batch.getFeatures());
            graph.setLabels(batch.getLabels());
            graph.computeGradientAndScore();
            loss = graph.score();
        } else {
            loss = copies.gradient(batch);
        }
        if (Trainer.diverged(loss)) {
            throw new IllegalStateException("worker " + workerId + ": training diverged, loss " + loss + " at its step "
                    + (steps + 1) + ". Fix: lower " + settings.learningRateKey());
        }
        lossSum += loss;
        // DL4J's updater divides the summed gradient by the minibatch size; the server has no updater, so divide here
        // (except batch norm's running statistics, whose "gradients" are updates DL4J applies undivided). A division
        // as DL4J's: multiplying by the reciprocal rounds differently for sizes that are not powers of two
        float[] g = graph.getFlattenedGradients().toFloatVector();
        float n = batch.numExamples();
        for (int i = 0; i < g.length; i++) {
            if (!direct.get(i)) {
                g[i] /= n;
            }
        }
        return g;
    }

    private void setParams(float[] values) {
        INDArray params = graph.params();
        if (values.length != params.length()) {
            throw new IllegalStateException("worker " + workerId + " received " + values.length + " parameters for a network of "
                    + params.length() + "; the server and the workers must train the same architecture");
        }
        params.assign(Nd4j.createFromArray(values).reshape(params.shape()));
    }

    /** What this worker did so far, ending with {@code outcome}. */
    public WorkerReport report(WorkerReport.Outcome outcome, String detail) {
        if (outcome == WorkerReport.Outcome.LEFT) {
            progress.accept("worker " + workerId + " leaves after " + steps + " steps: " + detail);
        }
        return new WorkerReport(workerId, attempt, outcome, detail, steps, samples, bytes,
                steps == 0 ? Double.NaN : lossSum / steps, computeNanos / 1e9, waitNanos / 1e9);
    }
}
