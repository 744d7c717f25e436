package org.pocketflow.worker.distributed;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.pocketflow.qsgd.ps.ParameterServer;
import org.pocketflow.qsgd.ps.ServerConfig;
import org.pocketflow.qsgd.ps.TrainingResult;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.worker.data.IdxDataset;

/**
 * A distributed run inside the test JVM: the server and one thread per worker, each worker on its
 * own loopback UDP port, all through this JVM's Aeron runtime — the same exchange as across
 * executors, without Spark.
 */
final class InJvmRun {
    static final String DATA = IdxDataset.DEFAULT_URI;

    /**
     * What the run produced.
     *
     * @param result the server's final parameters and counters
     * @param reports one per worker, or the worker's failure
     * @param model the master's model (for evaluation)
     */
    record Outcome(TrainingResult result, List<Object> reports, MasterModel model) {
    }

    private InJvmRun() {
    }

    static Outcome run(DistributedRequest req, long serverTimeoutMillis, int testLimit) throws InterruptedException {
        return run(req, serverTimeoutMillis, testLimit, c -> c);
    }

    /** As {@link #run(DistributedRequest, long, int)} with the server's configuration changed by {@code adjust}. */
    static Outcome run(DistributedRequest req, long serverTimeoutMillis, int testLimit,
                       java.util.function.UnaryOperator<ServerConfig> adjust) throws InterruptedException {
        MasterModel model = MasterModel.prepare(req, IdxDataset.open(req.dataUri(), req.trainLimit(), testLimit));
        ServerConfig config = adjust.apply(new ServerConfig(new Address(Address.LOOPBACK, req.portBase()), req.workers(),
                req.mode(), 2, serverTimeoutMillis, 120_000, model.plan().totalSteps(), req.secret(), null, 0, false));
        ExecutorService pool = Executors.newFixedThreadPool(req.workers());
        try (ParameterServer server = new ParameterServer(JvmAeron.get(), config, req.codec(), model.newOptimizer(),
                model.initialParams())) {
            server.start();
            List<Future<WorkerReport>> futures = new ArrayList<>();
            for (int w = 0; w < req.workers(); w++) {
                int id = w;
                futures.add(pool.submit(() -> PartitionTrainer.run(req, id, 0, Address.LOOPBACK, JvmAeron.get(), line -> { })));
            }
            TrainingResult result = server.await(10, TimeUnit.MINUTES);
            List<Object> reports = new ArrayList<>();
            for (Future<WorkerReport> f : futures) {
                try {
                    reports.add(f.get(req.timeoutMillis() + 30_000, TimeUnit.MILLISECONDS));
                } catch (ExecutionException e) {
                    reports.add(e.getCause());
                } catch (java.util.concurrent.TimeoutException e) {
                    reports.add(e);
                }
            }
            return new Outcome(result, reports, model);
        } finally {
            pool.shutdownNow();
        }
    }
}
