package org.pocketflow.qsgd.ps;

import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.ps.optim.SgdParams;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.qsgd.ps.transport.AeronRuntime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Shared pieces of the parameter-server tests: one Aeron runtime, free loopback ports, a training run. */
final class PsFixture {
    static final long SEED = 20240601L;
    static final int WORKERS = 3;
    static final int DIM = 24;
    static final SgdParams SGD = SgdParams.nesterov(0.02, 0.9);

    private PsFixture() {
    }

    static Address freeLoopback() {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return Address.loopback(s.getLocalPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LeastSquares problem() {
        return new LeastSquares(SEED, WORKERS, DIM, 200, 16);
    }

    /** The outcome of {@link #train}: the server's result and the workers (for their failures). */
    record Run(TrainingResult result, List<TrainingWorker> workers) {
    }

    /**
     * Trains {@code problem} with {@link #WORKERS} workers through a server of {@code config}.
     *
     * @param stallAfter per worker: stop after that many pushes, or −1 to run to the end
     */
    static Run train(AeronRuntime runtime, ServerConfig config, GradientCodec codec, float[] init, LeastSquares problem,
                     byte[] workerSecret, int... stallAfter) throws InterruptedException {
        return train(runtime, config, codec, SGD, init, problem, workerSecret, stallAfter);
    }

    static Run train(AeronRuntime runtime, ServerConfig config, GradientCodec codec, SgdParams sgd, float[] init, LeastSquares problem,
                     byte[] workerSecret, int... stallAfter) throws InterruptedException {
        try (ParameterServer server = new ParameterServer(runtime, config, codec, sgd, init)) {
            server.start();
            List<TrainingWorker> workers = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                WorkerConfig wc = new WorkerConfig(w, freeLoopback(), server.address()).withSecret(workerSecret).withTimeoutMillis(20_000);
                workers.add(new TrainingWorker(runtime, wc, problem, codec, SEED + w, stallAfter.length > w ? stallAfter[w] : -1).start());
            }
            TrainingResult result = server.await(50, TimeUnit.SECONDS);
            for (TrainingWorker t : workers) {
                t.join(25_000);
            }
            return new Run(result, workers);
        }
    }
}
