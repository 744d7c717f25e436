package org.pocketflow.driver.distributed;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
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
import org.pocketflow.qsgd.ps.DownlinkStats;
import org.pocketflow.qsgd.ps.ExchangeMode;
import org.pocketflow.qsgd.ps.ParameterServer;
import org.pocketflow.qsgd.ps.ServerConfig;
import org.pocketflow.qsgd.ps.TrainingResult;
import org.pocketflow.qsgd.ps.checkpoint.CheckpointFolder;
import org.pocketflow.qsgd.ps.checkpoint.CheckpointRefusedException;
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
 * <p><b>Mid-rung checkpoints.</b> With {@code pocketflow.distributed.rung-checkpoint-every} N above
 * 0, the server writes a checkpoint every N steps into the rung's {@link RungCheckpoints} folder on
 * the run directory's own file system, local or HDFS (parameters, optimizer state, the workers' encoder
 * states and the learner's hook state), and a rung run again with the same request resumes from
 * the newest one: its workers start at that step ({@code DealtSteps} deals by absolute step), so
 * the rung ends as the uninterrupted one would. A checkpoint that cannot be resumed from is set
 * aside and the rung starts from its beginning; with {@code pocketflow.distributed.resume = false}
 * an old checkpoint is removed and the rung starts from its beginning. The folder is removed when
 * the rung has ended.
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
     * @param resume            {@code pocketflow.distributed.resume}: a rung run again continues from its
     *                          checkpoint; when false the old checkpoint is removed and the rung starts from its beginning
     */
    public record Settings(GradientCodec codec, String host, long timeoutMillis, long joinTimeoutMillis, long waitMillis,
                           WorkerHook hook, boolean allowUnauthenticated, DownlinkPolicy downlink, int linkMbit,
                           boolean serverChosenCodec, int checkpointEvery, boolean resume) {
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
                    c.get(DistributedKeys.LINK_MBIT), auto, c.get(DistributedKeys.RUNG_CHECKPOINT_EVERY),
                    c.get(DistributedKeys.RESUME));
        }
    }

    /**
     * What a rung through the server gave.
     *
     * @param result           as a one-task trial reports it
     * @param seconds          wall time of the exchange (server start to its end)
     * @param samplesPerSecond images whose gradients the server applied, per second of that time
     * @param reports          the workers' reports (empty for those cancelled after the end)
     * @param downlink         what went down to the workers (null when no server ran)
     */
    public record Outcome(TrialResult result, double seconds, double samplesPerSecond, List<WorkerReport> reports,
                          DownlinkStats downlink) {
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
            return new Outcome(TrialRun.finish(req, setup, setup.compression().graph(), started), 0, 0, List.of(), null);
        }
        byte[] key = JobSecret.forTrial(JobSecret.fromSparkEnv(), req.trial());
        RungCheckpoints checkpoints = RungCheckpoints.of(req);
        if (!settings.resume() && checkpoints.exists()) {
            checkpoints.remove().ifPresentOrElse(out, () -> out.accept(String.format("trial %d rung %d: %s = false: removed"
                    + " its old checkpoints %s, the rung starts from its beginning", req.trial(), req.rung(),
                    DistributedKeys.RESUME.name(), checkpoints)));
        }
        Optional<RungCheckpoints> folder = settings.checkpointEvery() > 0 ? Optional.of(checkpoints) : Optional.empty();
        TrialMaster prepared = TrialMaster.prepare(req, baseZip, workers, started, out);
        ServerConfig config = new ServerConfig(new Address(settings.host(), port), workers, ExchangeMode.SYNC, 0,
                settings.timeoutMillis(), settings.joinTimeoutMillis(), prepared.totalSteps(), key, null,
                folder.isPresent() ? settings.checkpointEvery() : 0, folder.isPresent() && settings.resume(),
                new SecureRandom().nextLong(),
                settings.allowUnauthenticated());
        TrialWorkerRequest wr = new TrialWorkerRequest(req, workers, settings.codec(), settings.host(), port,
                settings.waitMillis(), null, settings.hook(), config.nonce(), settings.linkMbit(), settings.serverChosenCodec());
        TrainingResult result;
        List<WorkerReport> reports;
        double seconds;
        DownlinkStats down;
        Rung rung = open(req, prepared, config, folder, workers, started);
        TrialMaster master = rung.master();
        try (ParameterServer server = rung.server()) {
            server.setDownlink(settings.downlink(), settings.linkMbit());
            out.accept(String.format("trial %d rung %d: parameter server on %s, %d workers, codec %s, steps %d..%d, HMAC %s%s",
                    req.trial(), req.rung(), server.address(), workers, settings.serverChosenCodec() ? "auto"
                            : settings.codec().id(), master.steps()[0],
                    master.steps()[1], key.length > 0 ? "on (trial key)" : "off",
                    server.step() > 0 ? ", resumed at its step " + server.step() + " from " + folder.orElseThrow() : ""));
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
                    folder.ifPresent(RungCheckpoints::remove);
                    return new Outcome(TrialResult.failed(req.trial(), req.rung(), why, started, micros()), 0, 0, List.of(),
                            server.downlinkStats());
                }
                throw e;
            }
            seconds = (System.nanoTime() - t0) / 1e9;
            reports = ServerJob.reports(sc, job, group, out);
            down = server.downlinkStats();
        }
        double rate = result.stats().accepted() * (double) master.batchSize() / Math.max(seconds, 1e-9);
        out.accept(String.format("trial %d rung %d: %d steps on %d workers in %.1f s, %.0f samples/s, dropped %s; downlink %d"
                        + " full copies (joins, rejoins, resynchronisations, the final ones), %d compressed, max drift %.3g",
                req.trial(), req.rung(), result.stats().step(), workers, seconds, rate, result.stats().dropped(),
                down.fullMessages(), down.compressedMessages(), down.maxDrift()));
        TrialResult finished = master.finish(result.params());
        folder.flatMap(RungCheckpoints::remove).ifPresent(out);
        return new Outcome(finished, seconds, rate, reports, down);
    }

    /**
     * Removes the server checkpoints of {@code req}'s rung ({@code rung-R.ps/}): its trial has ended
     * for good (cancelled, timed out, failed), so nothing will resume the rung. Call once the
     * rung's {@link #run} has returned. A folder that cannot be removed is reported, not thrown.
     */
    public void discardCheckpoints(TrialRequest req) {
        RungCheckpoints rung = RungCheckpoints.of(req);
        if (rung.exists()) {
            rung.remove().ifPresentOrElse(out, () -> out.accept(String.format("trial %d rung %d: its trial has ended;"
                    + " removed its checkpoints %s", req.trial(), req.rung(), rung)));
        }
    }

    /** A rung's network and optimizer with its server. */
    private record Rung(TrialMaster master, ParameterServer server) {
    }

    /**
     * The rung's server on {@code master}, resumed from {@code folder}'s checkpoint when there is
     * one; a checkpoint it refuses is set aside and the rung starts afresh on a new master (the
     * refused one may have taken part of the checkpoint's state).
     */
    private Rung open(TrialRequest req, TrialMaster master, ServerConfig config, Optional<RungCheckpoints> folder, int workers,
                      long started) {
        CheckpointFolder store = folder.map(RungCheckpoints::store).orElse(null);
        try {
            return new Rung(master, new ParameterServer(JvmAeron.get(), config, store, settings.codec(), master.optimizer(),
                    master.initialParams()));
        } catch (CheckpointRefusedException e) {
            String aside = folder.orElseThrow(() -> e).setAside();
            out.accept(String.format("trial %d rung %d: cannot resume from its checkpoint (%s); set aside as %s, the rung"
                    + " starts from its beginning", req.trial(), req.rung(), e.getMessage(), aside));
            TrialMaster fresh = TrialMaster.prepare(req, baseZip, workers, started, out);
            return new Rung(fresh, new ParameterServer(JvmAeron.get(), config, store, settings.codec(), fresh.optimizer(),
                    fresh.initialParams()));
        }
    }

    private static long micros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }
}
