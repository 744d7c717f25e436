package org.pocketflow.worker.distributed;

import java.util.Iterator;
import java.util.function.Consumer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.ps.ServerChosenEncoder;
import org.pocketflow.qsgd.ps.WorkerClient;
import org.pocketflow.qsgd.ps.WorkerConfig;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.qsgd.ps.transport.AeronRuntime;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.runtime.Seeds;

/**
 * What one worker does in a distributed run: read the data through Hadoop FS, keep its own
 * partition, then exchange gradients for parameters with the server ({@link GradientLoop}) on
 * its partition's minibatches, epoch after epoch in the order of its own data seed, with its own
 * encoder (which owns the error-feedback residual).
 *
 * <p><b>Call order.</b> The server must be started first (it waits for every worker's HELLO up
 * to its join timeout). Stateless: one call per worker per run; the graph, the encoder and the
 * client are created and closed inside. Thread-safe as long as each call has its own worker id.
 *
 * <p><b>Leaving early.</b> A worker that the server dropped (it missed the sync timeout), or that
 * can no longer reach the server, returns a report with {@link WorkerReport.Outcome#LEFT} rather
 * than failing its task, so that a slow worker never fails the job. A first attempt that cannot
 * join at all throws (the server is not there: a configuration error); a retried attempt that
 * cannot join leaves.
 */
public final class PartitionTrainer {
    /** Purpose of the per-worker data-order seed. */
    static final long WORKER_DATA = 0x5EED_0D01L;
    /** Purpose of the per-worker encoder seed (stochastic rounding). */
    static final long WORKER_ENCODER = 0x5EED_0D02L;

    private PartitionTrainer() {
    }

    /** The seed of worker {@code workerId}'s minibatch order, split from the job seed. */
    public static long dataSeed(long seed, int workerId) {
        return Seeds.stream(seed, WORKER_DATA, workerId).nextLong();
    }

    /** The seed of worker {@code workerId}'s gradient encoder, split from the job seed. */
    public static long encoderSeed(long seed, int workerId) {
        return Seeds.stream(seed, WORKER_ENCODER, workerId).nextLong();
    }

    /** The training split every worker and the driver agree on (same seed, same split). */
    public static ImageSet trainSplit(DistributedRequest req, IdxDataset dataset) {
        return dataset.train().split(req.validationFraction(), req.seed()).train();
    }

    /**
     * Runs worker {@code workerId}.
     *
     * @param bindHost the address this worker receives on (its own host, as the server can reach it)
     * @param attempt the Spark task attempt (0 outside Spark)
     * @param aeron this JVM's Aeron runtime ({@link JvmAeron#get()})
     * @param progress progress lines
     */
    public static WorkerReport run(DistributedRequest req, int workerId, int attempt, String bindHost, AeronRuntime aeron,
                                   Consumer<String> progress) {
        Backend.configure(req.onednn());
        // one test image only: the driver evaluates the final parameters, workers need the training split
        IdxDataset dataset = IdxDataset.open(req.dataUri(), req.trainLimit(), 1);
        ImageSet train = trainSplit(req, dataset);
        Normalizer norm = Normalizer.fit(train);
        ImageSet part = train.partition(workerId, req.workers());
        ComputationGraph graph = MasterModel.initialGraph(req, dataset);
        Address bind = new Address(bindHost, req.workerPort(workerId));
        WorkerConfig wc = new WorkerConfig(workerId, bind, req.server(), req.secret(), req.timeoutMillis())
                .withParamCount(graph.numParams()).withNonce(req.nonce());
        progress.accept(String.format("worker %d (attempt %d): %d of %d training images, %s, receiving on %s", workerId, attempt,
                part.size(), train.size(), req.serverChosenCodec() ? "codec chosen by the server" : req.codec().id(), bind));
        BatchCycle cycle = new BatchCycle(part, req.training().batchSize(), norm, dataSeed(req.seed(), workerId), progress);
        try (WorkerClient client = new WorkerClient(aeron, wc)) {
            client.emulateLink(req.linkMbit());
            long seed = encoderSeed(req.seed(), workerId);
            GradientEncoder encoder = req.serverChosenCodec() ? new ServerChosenEncoder(client, seed) : req.codec().newEncoder(seed);
            GradientLoop loop = new GradientLoop(workerId, attempt, graph, encoder, step -> cycle.forStep(workerId, step),
                    new GradientLoop.Settings(req.server(), req.timeoutMillis(), req.training().logEverySteps(),
                            "pocketflow.train.learning-rate (now " + req.training().learningRate() + ")", req.hook(),
                            req.training().replicas()), progress);
            return loop.run(client);
        }
    }

    /** The worker's own partition, epoch after epoch, in the order of its data seed; one thread. */
    private static final class BatchCycle {
        private final ImageSet part;
        private final int batchSize;
        private final Normalizer norm;
        private final long seed;
        private final Consumer<String> progress;
        private Iterator<DataSet> batches;
        private int epoch;
        private boolean joined;

        BatchCycle(ImageSet part, int batchSize, Normalizer norm, long seed, Consumer<String> progress) {
            this.part = part;
            this.batchSize = batchSize;
            this.norm = norm;
            this.seed = seed;
            this.progress = progress;
            this.batches = part.batches(batchSize, norm, seed, 0);
        }

        /**
         * The minibatch for server version {@code step}. A worker that joins at version s > 0 (after
         * a resume from a checkpoint, or as a retried task) first moves its data order past s
         * minibatches: where it stands in a sync run, one gradient per version, each on the next
         * minibatch. Exact in sync mode for a worker that was never dropped; in async mode it
         * spreads, rather than repeats, the data. After joining, minibatches follow in order.
         */
        DataSet forStep(int workerId, long step) {
            if (!joined && step > 0) {
                int perEpoch = part.batchCount(batchSize);
                epoch = (int) (step / perEpoch);
                batches = part.batches(batchSize, norm, seed, epoch);
                for (long skip = step % perEpoch; skip > 0; skip--) {
                    batches.next();
                }
                progress.accept("worker " + workerId + " joins at version " + step + ": data order at epoch " + epoch
                        + ", minibatch " + step % perEpoch);
            }
            joined = true;
            if (!batches.hasNext()) {
                batches = part.batches(batchSize, norm, seed, ++epoch);
            }
            return batches.next();
        }
    }
}
