package org.pocketflow.qsgd.ps;

import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.ps.transport.AeronRuntime;

/**
 * A test worker on its own thread: join, then gradient → push → await per step until the final
 * parameters. With {@code stallAfter} ≥ 0 it stops pushing after that many gradients (a stalled
 * or dead worker) and returns without closing its loop politely.
 */
final class TrainingWorker implements Runnable {
    private final AeronRuntime runtime;
    private final WorkerConfig config;
    private final LeastSquares problem;
    private final GradientEncoder encoder;
    private final int stallAfter;
    private final Thread thread;
    volatile Throwable failure;
    volatile ParameterSnapshot last;
    volatile int pushes;

    TrainingWorker(AeronRuntime runtime, WorkerConfig config, LeastSquares problem, GradientCodec codec, long seed, int stallAfter) {
        this.runtime = runtime;
        this.config = config;
        this.problem = problem;
        this.encoder = codec.newEncoder(seed);
        this.stallAfter = stallAfter;
        this.thread = new Thread(this, "test-worker-" + config.workerId());
        thread.setDaemon(true);
    }

    TrainingWorker start() {
        thread.start();
        return this;
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
        if (thread.isAlive()) {
            throw new AssertionError("worker " + config.workerId() + " still running after " + millis + " ms");
        }
    }

    @Override
    public void run() {
        try (WorkerClient client = new WorkerClient(runtime, config)) {
            ParameterSnapshot p = client.join();
            org.pocketflow.qsgd.EncoderState resumed = client.takeRestoredState();
            if (resumed != null) {
                encoder.restore(resumed);
            }
            while (!p.last()) {
                if (stallAfter >= 0 && pushes >= stallAfter) {
                    return;
                }
                float[] g = problem.gradient(config.workerId(), p.step(), p.values());
                org.pocketflow.qsgd.EncodedGradient message = encoder.encode(g);
                if (client.stateRequested(p.step()) && !client.pushState(p.step(), encoder.snapshot())) {
                    throw new IllegalStateException("state push failed at step " + p.step());
                }
                if (!client.push(p.step(), message)) {
                    throw new IllegalStateException("push failed at step " + p.step());
                }
                pushes++;
                p = client.awaitParams(p.step() + 1);
            }
            last = p;
        } catch (Throwable t) {
            failure = t;
        }
    }
}
