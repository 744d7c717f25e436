package org.pocketflow.driver.distributed;

import java.io.IOException;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.pocketflow.conf.DataKeys;
import org.pocketflow.conf.DistributedKeys;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.driver.RunDirectory;
import org.pocketflow.driver.TaskSlots;
import org.pocketflow.qsgd.ps.DownlinkPolicy;
import org.pocketflow.qsgd.ps.ParameterServer;
import org.pocketflow.qsgd.ps.ServerConfig;
import org.pocketflow.qsgd.ps.TrainingResult;
import org.pocketflow.qsgd.ps.checkpoint.CheckpointFolder;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.distributed.DistributedRequest;
import org.pocketflow.worker.distributed.JvmAeron;
import org.pocketflow.worker.distributed.MasterModel;
import org.pocketflow.worker.distributed.WorkerHook;
import org.pocketflow.worker.distributed.WorkerReport;
import org.pocketflow.worker.eval.Evaluation;
import org.pocketflow.worker.io.HadoopConf;
import org.pocketflow.worker.model.ModelFiles;

/**
 * Trains one network over {@code pocketflow.distributed.workers} Spark tasks with the parameter
 * server in the driver (see the package documentation for the order of events).
 *
 * <p><b>Who decides the end.</b> The server: training is over when it applied the planned steps
 * (or failed because no worker is left). The Spark job only carries the workers; after the
 * server's end the driver gives the tasks a grace period to report, then cancels the job, so a
 * killed executor, a retried task that cannot rejoin, or a stalled worker never hangs the run.
 *
 * <p>One instance per run; the caller owns the Spark context.
 */
public final class DistributedTrainer {
    private static final String JOB_GROUP = "pocketflow-distributed";

    private final JobConfig config;
    private final Consumer<String> out;
    private final WorkerHook hook;

    /**
     * @param hook called by every worker after each push ({@code NopWorkerHook.INSTANCE} outside tests)
     */
    public DistributedTrainer(JobConfig config, Consumer<String> out, WorkerHook hook) {
        this.config = config;
        this.out = out;
        this.hook = hook;
    }

    /**
     * Runs the training and writes {@code model.zip} (and, with checkpoints on, {@code
     * ps-checkpoint.pfck}) into {@code runDir}, on its own file system (a local folder, HDFS or any
     * other Hadoop file system), where a rerun finds the checkpoint.
     *
     * @param runDir the run directory, an encoded URI ({@code RunDirectory.uri()})
     * @throws IllegalArgumentException if the configuration does not fit the cluster (too few task
     *     slots, a run directory whose scheme has no file system here), before any Spark work
     * @throws IllegalStateException if training failed (every worker lost, or the server timed out)
     */
    public DistributedResult train(JavaSparkContext sc, String runDir) {
        DistributedRequest configured = DistributedRequests.from(config, hook);
        checkSlots(sc, configured.workers());
        DistributedRequest req = configured.withServerHost(DistributedRequests.serverHost(sc.master(),
                configured.serverHost(), sc.getConf().get("spark.driver.host", Address.LOOPBACK)))
                .withNonce(new SecureRandom().nextLong());
        int every = config.get(DistributedKeys.CHECKPOINT_EVERY);
        CheckpointFolder checkpoints = every > 0 || config.get(DistributedKeys.RESUME) ? checkpointFolder(runDir) : null;
        byte[] key = JobSecret.fromSparkEnv();
        boolean unauthenticated = config.get(DistributedKeys.ALLOW_UNAUTHENTICATED);
        DistributedRequests.checkAuthentication(req.server(), key.length > 0, unauthenticated);
        MasterModel model = MasterModel.prepare(req, IdxDataset.open(req.dataUri(), req.trainLimit(),
                config.get(DataKeys.TEST_LIMIT)));
        long total = model.plan().totalSteps();
        ServerConfig sc0 = new ServerConfig(new Address(req.serverHost(), req.portBase()), req.workers(), req.mode(),
                config.get(DistributedKeys.STALENESS), config.get(DistributedKeys.TIMEOUT_MS),
                config.get(DistributedKeys.JOIN_TIMEOUT_MS), total, key, null, every,
                checkpoints != null && config.get(DistributedKeys.RESUME), req.nonce(), unauthenticated);
        try (ParameterServer server = new ParameterServer(JvmAeron.get(), sc0, checkpoints, req.codec(), model.newOptimizer(),
                model.initialParams())) {
            DownlinkPolicy downlink = DistributedRequests.downlink(config);
            server.setDownlink(downlink, req.linkMbit());
            long resumed = server.step();
            out.accept(String.format("parameter server on %s: %d workers, %s, codec %s, parameters down %s%s, %d steps%s, HMAC %s",
                    server.address(), req.workers(), req.mode(), req.serverChosenCodec() ? "auto" : req.codec().id(), downlink,
                    req.linkMbit() > 0 ? ", links emulated at " + req.linkMbit() + " Mbit/s" : "", total,
                    resumed > 0 ? " (resuming at step " + resumed + ")" : "",
                    key.length > 0 ? "on (spark.authenticate)" : server.address().isLoopback() ? "off (loopback only)"
                            : "off (" + DistributedKeys.ALLOW_UNAUTHENTICATED.name() + ")"));
            long t0 = System.nanoTime();
            server.start();
            sc.setJobGroup(JOB_GROUP, "distributed training, " + req.workers() + " workers", true);
            JavaFutureAction<List<WorkerReport>> job = sc.parallelize(Collections.nCopies(req.workers(), req), req.workers())
                    .mapPartitions(new TrainPartitionFunction(), true).collectAsync();
            TrainingResult result = ServerJob.await(server, job, sc0.workerTimeoutMillis());
            double seconds = (System.nanoTime() - t0) / 1e9;
            List<WorkerReport> reports = ServerJob.reports(sc, job, JOB_GROUP, out);
            Evaluation test = model.evaluate(result.params());
            String modelFile = runDir + "/model.zip";
            ModelFiles.save(model.withParams(result.params()), modelFile);
            long steps = Math.max(1, result.stats().step() - resumed);
            int n = result.params().length;
            DistributedResult r = new DistributedResult(modelFile, test.accuracy(), test.loss(), n, resumed, total, seconds,
                    result.stats().accepted() * (double) req.training().batchSize() / seconds,
                    result.stats().bytesIn() / (double) steps, server.downlinkStats().bytesOut() / (double) steps, key.length > 0,
                    result.stats(), reports);
            if (!server.downlinkStats().decision().isEmpty()) {
                out.accept(server.downlinkStats().decision());
            }
            out.accept(String.format("distributed training done: test accuracy %.2f%%, %.0f samples/s, %,.0f gradient bytes and"
                            + " %,.0f parameter bytes per step, dropped %s, rejected %d", 100 * r.testAccuracy(),
                    r.samplesPerSecond(), r.gradientBytesPerStep(), r.paramBytesPerStep(), result.stats().dropped(),
                    result.stats().rejectedTotal()));
            return r;
        }
    }

    /** Every worker must run at the same time: refuse more workers than the cluster has task slots. */
    private static void checkSlots(JavaSparkContext sc, int workers) {
        TaskSlots.Count slots = TaskSlots.await(sc, workers);
        if (workers > slots.slots()) {
            throw new IllegalArgumentException(DistributedKeys.WORKERS.name() + " = " + workers + " but the cluster runs only "
                    + slots.slots() + " tasks at once (" + slots.how() + "), and every worker must run at the same time."
                    + " Fix: lower " + DistributedKeys.WORKERS.name() + " to " + Math.max(1, slots.slots())
                    + " or give the job more executors or cores");
        }
    }

    /**
     * The run directory as the server's checkpoint folder, on the directory's own file system:
     * through java.nio when it is local, through Hadoop ({@link HadoopCheckpointFolder}) otherwise.
     */
    private static CheckpointFolder checkpointFolder(String runDir) {
        try {
            Path dir = new Path(URI.create(runDir));
            FileSystem fs = dir.getFileSystem(HadoopConf.get());
            return HadoopCheckpointFolder.of(fs, fs.makeQualified(dir));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the run directory " + runDir + " cannot hold the parameter server's checkpoints: "
                    + RunDirectory.unreadableScheme(runDir).orElse(e.getMessage()) + ". Fix: set pocketflow.run.root to a"
                    + " folder of a file system this build reads (a local path, file:///..., hdfs://...)");
        }
    }
}
