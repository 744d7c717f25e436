package org.pocketflow.driver.distributed;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.pocketflow.conf.DistributedKeys;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.driver.JobRunner;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.codec.IdentityCodec;
import org.pocketflow.qsgd.ps.DownlinkPolicy;
import org.pocketflow.qsgd.ps.ExchangeMode;
import org.pocketflow.qsgd.ps.ParameterServer;
import org.pocketflow.qsgd.ps.ServerConfig;
import org.pocketflow.qsgd.ps.TrainingResult;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.worker.distributed.JvmAeron;
import org.pocketflow.worker.distributed.WorkerHook;
import org.pocketflow.worker.distributed.WorkerReport;
import org.pocketflow.worker.task.TrialMaster;
import org.pocketflow.worker.task.TrialRequest;
import org.pocketflow.worker.task.TrialResult;
import org.pocketflow.worker.task.TrialRun;
import org.pocketflow.worker.task.TrialWorkerRequest;

/**
 * One rung of a trial fine-tuned data-parallel by W Spark tasks through the trial's own parameter
 * server in the driver.
 *
 * <p><b>Order.</b> The driver sets the rung up ({@link TrialMaster}: the candidate's compressed
 * network, holding the previous rung's parameters when it resumes one, the trial's optimizer with
 * the learner's {@code StepHook} in force around every server step). It starts the server on the port it
 * is given, with the trial's own HMAC key ({@link JobSecret#forTrial}), submits the W workers
 * ({@link TrialWorkerFunction}) in the trial's job group, and waits for the server's end ({@link
 * ServerJob}). The finished network is packed and evaluated on the driver ({@link
 * TrialMaster#finish}); rung checkpoints are the same files as a one-task trial's, so successive
 * halving and resume work unchanged.
 *
 * <p><b>Teardown.</b> The server is closed when the rung ends, fails, or its thread is
 * interrupted (the trial cancelled, timed out or the study stopped); the scheduler cancels the
 * job group, and workers see their task's interrupt within {@code TrialWorker}'s poll slice.
 * Exchange is synchronous (BSP), so every step applies one minibatch from each live worker.
 */
public final class TrialServer {
    private final Settings settings;
    private final Broadcast<byte[]> baseModel;
    private final byte[] baseZip;
    private final Consumer<String> out;

    /**
     * How trials talk to their servers, from {@code pocketflow.distributed.*}.
     *
     * @param codec             the gradient codec
     * @param host              the address the servers bind and workers send to
     * @param timeoutMillis     a sync step's wait for a slow worker before it is dropped
     * @param joinTimeoutMillis how long a server waits for its workers' HELLOs
     * @param waitMillis        how long a worker waits for parameters before it leaves
     * @param hook              called by every worker after each push (fault injection in tests)
     */
    public record Settings(GradientCodec codec, String host, long timeoutMillis, long joinTimeoutMillis, long waitMillis,
                           WorkerHook hook, boolean allowUnauthenticated, DownlinkPolicy downlink, int linkMbit,
                           boolean serverChosenCodec) {
        /** The settings of job {@code c} on {@code sc}'s cluster. */
        public static Settings of(JobConfig c, JavaSparkContext sc, WorkerHook hook) {
            String host = DistributedRequests.serverHost(sc.master(), c.get(DistributedKeys.BIND_ADDRESS),
                    sc.getConf().get("spark.driver.host", Address.LOOPBACK));
            boolean unauthenticated = c.get(DistributedKeys.ALLOW_UNAUTHENTICATED);
            // the trials' servers listen where the job's would: refused off loopback without a key, before any trial
            DistributedRequests.checkAuthentication(new Address(host, 1), JobSecret.fromSparkEnv().length > 0, unauthenticated);
            boolean auto = c.get(DistributedKeys.CODEC).equals(DistributedRequests.AUTO);
            return new Settings(auto ? new IdentityCodec() : DistributedRequests.codec(c.get(DistributedKeys.CODEC)), host,
                    c.get(DistributedKeys.TIMEOUT_MS), c.get(DistributedKeys.JOIN_TIMEOUT_MS),
                    DistributedRequests.workerWaitMillis(c), hook, unauthenticated, DistributedRequests.downlink(c),
                    c.get(DistributedKeys.LINK_MBIT), auto);
        }
    }

    /**
     * What a rung through the server gave.
     *
     * @param result           as a one-task trial reports it
     * @param seconds          wall time of the exchange (server start to its end)
     * @param samplesPerSecond images whose gradients the server applied, per second of that time
     * @param reports          the workers' reports (empty for those cancelled after the end)
     */
    public record Outcome(TrialResult result, double seconds, double samplesPerSecond, List<WorkerReport> reports) {
    }

    /**
     * @param baseModel the study's broadcast of the base model's DL4J zip, for the workers
     * @param baseZip   the same bytes, for the driver
     */
    public TrialServer(Settings settings, Broadcast<byte[]> baseModel, byte[] baseZip, Consumer<String> out) {
        this.settings = settings;
        this.baseModel = baseModel;
        this.baseZip = baseZip.clone();
        this.out = out;
    }

    /**
     * Runs {@code req} on {@code workers} workers, the server on {@code port} (workers on the
     * next {@code workers} ports), every Spark job in job group {@code group}.
     *
     * @throws IllegalStateException if the rung failed (no worker left, the server timed out, or
     *     the thread was interrupted)
     */
    public Outcome run(JavaSparkContext sc, TrialRequest req, int workers, int port, String group) {
        long started = micros();
        if (!req.fineTune().trains()) {
            TrialRun.Setup setup = TrialRun.setup(req, baseZip, out);
            setup.compression().hook().finish(setup.compression().graph());
            return new Outcome(TrialRun.finish(req, setup, setup.compression().graph(), started), 0, 0, List.of());
        }
        TrialMaster master = TrialMaster.prepare(req, baseZip, workers, started, out);
        byte[] key = JobSecret.forTrial(JobSecret.fromSparkEnv(), req.trial());
        ServerConfig config = new ServerConfig(new Address(settings.host(), port), workers, ExchangeMode.SYNC, 0,
                settings.timeoutMillis(), settings.joinTimeoutMillis(), master.totalSteps(), key, null, 0, false,
                new SecureRandom().nextLong(), settings.allowUnauthenticated());
        TrialWorkerRequest wr = new TrialWorkerRequest(req, workers, settings.codec(), settings.host(), port,
                settings.waitMillis(), null, settings.hook(), config.nonce(), settings.linkMbit(), settings.serverChosenCodec());
        TrainingResult result;
        List<WorkerReport> reports;
        double seconds;
        try (ParameterServer server = new ParameterServer(JvmAeron.get(), config, settings.codec(), master.optimizer(),
                master.initialParams())) {
            server.setDownlink(settings.downlink(), settings.linkMbit());
            out.accept(String.format("trial %d rung %d: parameter server on %s, %d workers, codec %s, steps %d..%d, HMAC %s",
                    req.trial(), req.rung(), server.address(), workers, settings.serverChosenCodec() ? "auto"
                            : settings.codec().id(), master.steps()[0],
                    master.steps()[1], key.length > 0 ? "on (trial key)" : "off"));
            long t0 = System.nanoTime();
            server.start();
            sc.setJobGroup(group, "trial " + req.trial() + " rung " + req.rung() + ", " + workers + " workers", true);
            JavaFutureAction<List<WorkerReport>> job;
            try {
                job = sc.parallelize(Collections.nCopies(workers, wr), workers)
                        .mapPartitions(new TrialWorkerFunction(baseModel), true).collectAsync();
            } finally {
                sc.clearJobGroup();
            }
            try {
                result = ServerJob.await(server, job, config.workerTimeoutMillis());
            } catch (IllegalStateException e) {
                sc.cancelJobGroup(group);
                String why = JobRunner.rootMessage(e);
                if (why.contains("training diverged")) {
                    return new Outcome(TrialResult.failed(req.trial(), req.rung(), why, started, micros()), 0, 0, List.of());
                }
                throw e;
            }
            seconds = (System.nanoTime() - t0) / 1e9;
            reports = ServerJob.reports(sc, job, group, out);
        }
        double rate = result.stats().accepted() * (double) master.batchSize() / Math.max(seconds, 1e-9);
        out.accept(String.format("trial %d rung %d: %d steps on %d workers in %.1f s, %.0f samples/s, dropped %s",
                req.trial(), req.rung(), result.stats().step(), workers, seconds, rate, result.stats().dropped()));
        return new Outcome(master.finish(result.params()), seconds, rate, reports);
    }

    private static long micros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }
}
