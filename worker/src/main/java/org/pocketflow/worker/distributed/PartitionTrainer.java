package org.pocketflow.worker.distributed;

import java.util.Iterator;
import java.util.function.Consumer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.ps.ParameterSnapshot;
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
 * partition, then, until the server sends the final parameters: set the parameters it received,
 * compute the gradient of its next minibatch with DL4J ({@code computeGradientAndScore}; DL4J's
 * updater is never applied, the server's optimizer owns the update), divide it by the minibatch
 * size as DL4J's updater would, encode it with its own encoder (which owns the error-feedback
 * residual) and push it.
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
        WorkerConfig wc = new WorkerConfig(workerId, bind, req.server(), req.secret(), req.timeoutMillis());
        progress.accept(String.format("worker %d (attempt %d): %d of %d training images, %s, receiving on %s", workerId, attempt,
                part.size(), train.size(), req.serverChosenCodec() ? "codec chosen by the server" : req.codec().id(), bind));
        try (WorkerClient client = new WorkerClient(aeron, wc)) {
            client.emulateLink(req.linkMbit());
            long seed = encoderSeed(req.seed(), workerId);
            GradientEncoder encoder = req.serverChosenCodec() ? new ServerChosenEncoder(client, seed) : req.codec().newEncoder(seed);
            Loop loop = new Loop(req, workerId, attempt, graph, encoder, part, norm, progress);
            ParameterSnapshot p;
            try {
                p = client.join();
            } catch (IllegalStateException e) {
                if (attempt == 0) {
                    throw e;
                }
                return loop.report(WorkerReport.Outcome.LEFT, "attempt " + attempt + " could not rejoin: " + e.getMessage());
            }
            return loop.train(client, p);
        }
    }

    /** One worker's mutable state during its run; owned by the calling thread. */
    private static final class Loop {
        private final DistributedRequest req;
        private final int workerId;
        private final int attempt;
        private final ComputationGraph graph;
        private final GradientEncoder encoder;
        /** Positions of batch norm's running statistics ({@link MasterModel#updatedDirectly}). */
        private final java.util.BitSet direct;
        private final ImageSet part;
        private final Normalizer norm;
        private final long dataSeed;
        private final Consumer<String> progress;
        private Iterator<DataSet> batches;
        private int epoch;
        private long steps;
        private long samples;
        private long bytes;
        private double lossSum;
        private long computeNanos;
        private long waitNanos;

        Loop(DistributedRequest req, int workerId, int attempt, ComputationGraph graph, GradientEncoder encoder, ImageSet part,
             Normalizer norm, Consumer<String> progress) {
            this.req = req;
            this.workerId = workerId;
            this.attempt = attempt;
            this.graph = graph;
            this.encoder = encoder;
            this.direct = MasterModel.updatedDirectly(graph);
            this.part = part;
            this.norm = norm;
            this.dataSeed = dataSeed(req.seed(), workerId);
            this.progress = progress;
            this.batches = part.batches(req.training().batchSize(), norm, dataSeed, 0);
        }

        WorkerReport train(WorkerClient client, ParameterSnapshot first) {
            ParameterSnapshot p = first;
            while (!p.last()) {
                long t0 = System.nanoTime();
                setParams(p.values());
                DataSet batch = nextBatch();
                EncodedGradient message = encoder.encode(gradient(batch));
                long t1 = System.nanoTime();
                computeNanos += t1 - t0;
                if (!client.push(p.step(), message)) {
                    return report(WorkerReport.Outcome.LEFT, "the server at " + req.server() + " could not be reached");
                }
                steps++;
                samples += batch.numExamples();
                bytes += message.sizeBytes();
                req.hook().afterPush(workerId, attempt, p.step());
                if (steps % req.training().logEverySteps() == 0) {
                    progress.accept(String.format("worker %d step %d (server version %d) loss %.4f, %.0f samples/s computing",
                            workerId, steps, p.step(), lossSum / steps, samples / (computeNanos / 1e9)));
                }
                long t2 = System.nanoTime();
                try {
                    p = client.awaitParams(p.step() + 1);
                } catch (IllegalStateException e) {
                    waitNanos += System.nanoTime() - t2;
                    return report(WorkerReport.Outcome.LEFT, e.getMessage());
                }
                waitNanos += System.nanoTime() - t2;
            }
            setParams(p.values());
            return report(WorkerReport.Outcome.FINISHED, "");
        }

        private DataSet nextBatch() {
            if (!batches.hasNext()) {
                batches = part.batches(req.training().batchSize(), norm, dataSeed, ++epoch);
            }
            return batches.next();
        }

        private float[] gradient(DataSet batch) {
            graph.setInputs(batch.getFeatures());
            graph.setLabels(batch.getLabels());
            graph.computeGradientAndScore();
            double loss = graph.score();
            if (!Double.isFinite(loss)) {
                throw new IllegalStateException("worker " + workerId + ": training diverged, loss " + loss + " at its step "
                        + (steps + 1) + ". Fix: lower pocketflow.train.learning-rate (now " + req.training().learningRate() + ")");
            }
            lossSum += loss;
            // DL4J's updater divides the summed gradient by the minibatch size; the server has no updater, so divide here
            // (except batch norm's running statistics, whose "gradients" are updates DL4J applies undivided)
            float[] g = graph.getFlattenedGradients().toFloatVector();
            float inv = 1f / batch.numExamples();
            for (int i = 0; i < g.length; i++) {
                if (!direct.get(i)) {
                    g[i] *= inv;
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

        WorkerReport report(WorkerReport.Outcome outcome, String detail) {
            if (outcome == WorkerReport.Outcome.LEFT) {
                progress.accept("worker " + workerId + " leaves after " + steps + " steps: " + detail);
            }
            return new WorkerReport(workerId, attempt, outcome, detail, steps, samples, bytes,
                    steps == 0 ? Double.NaN : lossSum / steps, computeNanos / 1e9, waitNanos / 1e9);
        }
    }
}
