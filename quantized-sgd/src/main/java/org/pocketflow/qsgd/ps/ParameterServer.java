package org.pocketflow.qsgd.ps;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.pocketflow.qsgd.CorruptMessageException;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.EncoderState;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.ps.checkpoint.Checkpoint;
import org.pocketflow.qsgd.ps.checkpoint.CheckpointFolder;
import org.pocketflow.qsgd.ps.checkpoint.CheckpointRefusedException;
import org.pocketflow.qsgd.ps.checkpoint.CheckpointStore;
import org.pocketflow.qsgd.ps.optim.Optimizer;
import org.pocketflow.qsgd.ps.optim.SgdParams;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.qsgd.ps.transport.AeronRuntime;
import org.pocketflow.qsgd.ps.wire.MessageType;
import org.pocketflow.qsgd.ps.wire.PsMessage;
import org.pocketflow.qsgd.ps.wire.PsMessageCodec;
import org.pocketflow.qsgd.ps.wire.RejectReason;
import org.pocketflow.qsgd.ps.wire.RejectedMessageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The master: receives codec-encoded gradients from the workers, aggregates them, applies the
 * optimizer and publishes the new parameters (see {@link ExchangeMode} for the two orders).
 *
 * <p><b>Call order.</b> Construct (binds the endpoint, loads the checkpoint when resuming), {@link
 * #start()} (the server thread waits for the workers' HELLO, then publishes version 0 or the
 * resumed version), {@link #await} for the result, {@link #close()}. {@link #stats()} may be called
 * from any thread at any time.
 *
 * <p><b>Ownership.</b> The parameters, the optimizer, the sync round and the checkpoint store
 * belong to the server thread; nothing else touches them while it runs.
 *
 * <p><b>Faults.</b> Every message passes {@link PsMessageCodec} (checksum, format, HMAC when a
 * secret is configured), then sender and step checks, then the codec's own checks while decoding;
 * a failure is counted under its {@link RejectReason} and the message is never applied. In sync
 * mode a worker that misses the timeout, or cannot be reached, is dropped (logged) and training
 * continues with the others; training fails only when no worker is left.
 *
 * <p><b>One error path.</b> Anything else that goes wrong on the server thread (a checkpoint that
 * cannot be written, a bug) stops the server and fails {@link #await} with that cause, including
 * what is thrown while a message is handled: the Aeron runtime hands handler exceptions back to
 * the poll ({@link AeronRuntime}), never to a printing default.
 */
public final class ParameterServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ParameterServer.class);
    /** How long the first step waits for the auto downlink's codec warm-up (it usually ends while the workers join). */
    private static final long WARM_UP_WAIT_MILLIS = 3_000;

    private final ServerConfig config;
    private final GradientCodec codec;
    private final PsMessageCodec wire;
    private final ServerLink link;
    private final LongSupplier clock;
    private final Optimizer optimizer;
    private final CheckpointStore checkpoints;
    private final float[] params;
    private final float[] gradient;
    private final Address[] replyTo;
    /** Per worker, the newest step it sent a gradient for (−1: none); async refuses anything not newer. */
    private final long[] lastGradientStep;
    private final BitSet live = new BitSet();
    private final SyncRound round;
    private final AtomicLong step = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong checkpointCount = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLongArray rejected = new AtomicLongArray(RejectReason.values().length);
    private final Set<Integer> dropped = ConcurrentHashMap.newKeySet();
    /** Per worker, the encoder state it sent for the coming checkpoint (server thread only). */
    private final Map<Integer, EncoderState> encoderStates = new HashMap<>();
    /** The encoder states of the checkpoint resumed from, handed back with the parameters of {@link #resumedStep}. */
    private Map<Integer, EncoderState> resumedEncoders = Map.of();
    private long resumedStep = -1;
    private final CompletableFuture<TrainingResult> result = new CompletableFuture<>();
    private Downlink downlink;
    private volatile boolean stopping;
    private Thread thread;
    private boolean running;
    private long deadlineNanos;

    /**
     * @param runtime the JVM's Aeron runtime; the server binds {@code config.bind()} in it
     * @param codec the codec the workers encode with; other codecs' messages are rejected
     * @param sgd the optimizer's hyper-parameters
     * @param initialParams the parameters of version 0 (copied); replaced by the checkpoint when resuming
     */
    public ParameterServer(AeronRuntime runtime, ServerConfig config, GradientCodec codec, SgdParams sgd, float[] initialParams) {
        this(runtime, config, codec, sgd.newOptimizer(initialParams.length), initialParams);
    }

    /**
     * A server with an optimizer made by the caller (for instance one that decays only some
     * parameters); the server owns it from here on.
     *
     * @param optimizer a fresh optimizer of {@code initialParams.length} parameters
     * @throws org.pocketflow.qsgd.ps.checkpoint.CheckpointRefusedException when resuming from a checkpoint
     *     that is damaged or not this configuration's (before anything is bound)
     */
    public ParameterServer(AeronRuntime runtime, ServerConfig config, GradientCodec codec, Optimizer optimizer,
                           float[] initialParams) {
        this(runtime, config, localFolder(config), codec, optimizer, initialParams);
    }

    /**
     * A server whose checkpoints go to {@code checkpoints} instead of {@code config.checkpointDir()}
     * (a folder on other storage than the local file system), written every {@code
     * config.checkpointEvery()} steps and resumed from when {@code config.resume()}.
     *
     * @param checkpoints where the checkpoints are (null: none)
     * @throws org.pocketflow.qsgd.ps.checkpoint.CheckpointRefusedException when resuming from a checkpoint
     *     that is damaged or not this configuration's (before anything is bound)
     */
    public ParameterServer(AeronRuntime runtime, ServerConfig config, CheckpointFolder checkpoints, GradientCodec codec,
                           Optimizer optimizer, float[] initialParams) {
        this(config, checkpoints, codec, optimizer, initialParams,
                c -> new AeronLink(runtime.bind(c.bind(), FrameLimits.forModel(initialParams.length, c.workers())), c.workers(),
                        c.workerTimeoutMillis()), System::nanoTime);
    }

    /**
     * The server on any {@link ServerLink} and clock: tests drive its state machine through {@link
     * #turn()} without UDP and without a thread.
     *
     * @param network makes the link once the checkpoint (if any) has loaded
     * @param clock {@link System#nanoTime()} or a test's clock
     */
    ParameterServer(ServerConfig config, GradientCodec codec, Optimizer optimizer, float[] initialParams,
                    Function<ServerConfig, ServerLink> network, LongSupplier clock) {
        this(config, localFolder(config), codec, optimizer, initialParams, network, clock);
    }

    private ParameterServer(ServerConfig config, CheckpointFolder checkpointFolder, GradientCodec codec, Optimizer optimizer,
                            float[] initialParams, Function<ServerConfig, ServerLink> network, LongSupplier clock) {
        if (checkpointFolder == null && (config.checkpointEvery() > 0 || config.resume())) {
            throw new IllegalArgumentException("ps checkpointEvery is " + config.checkpointEvery() + (config.resume()
                    ? " with resume" : "") + " but no checkpoint folder is set; set one or use checkpointEvery 0 without resume");
        }
        this.config = config;
        this.clock = clock;
        this.codec = codec;
        this.wire = new PsMessageCodec(config.secret(), config.nonce());
        this.params = initialParams.clone();
        this.gradient = new float[params.length];
        this.optimizer = optimizer;
        this.replyTo = new Address[config.workers()];
        this.lastGradientStep = new long[config.workers()];
        Arrays.fill(lastGradientStep, -1);
        this.round = config.mode() == ExchangeMode.SYNC ? new SyncRound(config.workers(), params.length) : null;
        this.checkpoints = checkpointFolder == null ? null : new CheckpointStore(checkpointFolder);
        if (config.resume()) {
            checkpoints.load().ifPresent(this::restore);
        }
        this.link = network.apply(config);
        this.downlink = new Downlink(DownlinkPolicy.fp32(), config.workers());
    }

    /**
     * How parameters go back to the workers (fp32 unless set); call before {@link #start()}.
     *
     * @param linkMbit paces the server's sends to an emulated link of this many Mbit/s (0: unlimited)
     */
    public synchronized void setDownlink(DownlinkPolicy policy, double linkMbit) {
        if (thread != null) {
            throw new IllegalStateException("set the downlink before starting the parameter server");
        }
        downlink = new Downlink(policy, config.workers());
        downlink.warmUp(params.length);
        link.emulateLink(linkMbit);
    }

    /** What went down to the workers so far (complete once {@link #await} returned). */
    public DownlinkStats downlinkStats() {
        return downlink.stats();
    }

    private static CheckpointFolder localFolder(ServerConfig config) {
        return config.checkpointDir() == null ? null : CheckpointFolder.local(config.checkpointDir());
    }

    private void restore(Checkpoint c) {
        if (!c.optimizer().equals(optimizer.name()) || c.params().length != params.length) {
            throw new CheckpointRefusedException("checkpoint " + checkpoints.where() + " holds " + c + " but this server has "
                    + optimizer.name() + " with " + params.length + " params; use another checkpointDir or the same configuration");
        }
        System.arraycopy(c.params(), 0, params, 0, params.length);
        optimizer.restore(c.optimizerState());
        try {
            optimizer.resume(c.step(), params.clone(), c.optimizerExtra());
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new CheckpointRefusedException("checkpoint " + checkpoints.where() + " of step " + c.step() + " cannot resume "
                    + optimizer.name() + ": " + e.getMessage() + "; delete " + checkpoints.where() + " and "
                    + checkpoints.wherePrevious() + " to start from scratch", e);
        }
        step.set(c.step());
        resumedEncoders = c.encoders();
        resumedStep = c.step();
        LOG.info("parameter server resumes from step {} ({})", c.step(), checkpoints.where());
    }

    /** The address the server listens on. */
    public Address address() {
        return link.address();
    }

    /** The current parameter version. */
    public long step() {
        return step.get();
    }

    /** Starts the server thread. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("parameter server already started");
        }
        thread = new Thread(this::run, "pocketflow-ps-" + config.bind().port());
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The result once training ends.
     *
     * @throws IllegalStateException if training failed (no worker left) or did not end in time
     */
    public TrainingResult await(long timeout, TimeUnit unit) {
        try {
            return result.get(timeout, unit);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("parameter server did not finish within " + timeout + " " + unit + " (at step "
                    + step() + " of " + config.totalSteps() + ", " + stats() + ")", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("parameter server failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the parameter server", e);
        }
    }

    public ServerStats stats() {
        Map<RejectReason, Long> r = new EnumMap<>(RejectReason.class);
        for (RejectReason reason : RejectReason.values()) {
            r.put(reason, rejected.get(reason.ordinal()));
        }
        return new ServerStats(step.get(), accepted.get(), r, dropped, checkpointCount.get(), bytesIn.get());
    }

    private void run() {
        IdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 200_000);
        try {
            open();
            while (!stopping && !result.isDone()) {
                idle.idle(turn());
            }
        } catch (RuntimeException | Error e) {
            LOG.error("parameter server stopped at step {}: {}", step.get(), e.toString());
            result.completeExceptionally(e);
        }
    }

    /** Starts the join window (the server thread's first act); a finished checkpoint finishes at once. */
    void open() {
        deadlineNanos = clock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(config.joinTimeoutMillis());
        if (step.get() >= config.totalSteps()) {
            finish();
        }
    }

    /**
     * One turn of the server thread: the frames that arrived, the sends that failed, the deadline.
     * Never waits: sends leave on the link's own threads.
     *
     * @return how much was read (0 when idle)
     */
    int turn() {
        int work = link.poll(this::onMessage, 64);
        link.failures(this::onSendFailed);
        link.completed(downlink::sent);
        if (!result.isDone() && clock.getAsLong() > deadlineNanos) {
            onDeadline();
        }
        return work;
    }

    /** Whether training has ended (finished or failed). */
    boolean done() {
        return result.isDone();
    }

    private void onMessage(byte[] bytes) {
        PsMessage m;
        try {
            m = wire.decode(bytes);
        } catch (RejectedMessageException e) {
            reject(e.reason(), e.getMessage());
            return;
        }
        int w = m.sender();
        if (w < 0 || w >= config.workers()) {
            reject(RejectReason.UNKNOWN_SENDER, "sender " + w + " is not one of the " + config.workers() + " workers");
        } else if (dropped.contains(w)) {
            reject(RejectReason.DROPPED_SENDER, "worker " + w + " was dropped");
        } else if (m.type() == MessageType.HELLO) {
            onHello(w, m);
        } else if (m.type() == MessageType.GRADIENT) {
            onGradient(w, m);
        } else if (m.type() == MessageType.STATE) {
            onState(w, m);
        } else {
            reject(RejectReason.UNEXPECTED_TYPE, m.type() + " from worker " + w);
        }
    }

    private void onHello(int w, PsMessage m) {
        Address a;
        try {
            a = HelloAddress.check(w, m.payload(), config.bind().isLoopback());
        } catch (RejectedMessageException e) {
            reject(e.reason(), e.getMessage());
            return;
        }
        boolean first = replyTo[w] == null;
        replyTo[w] = a;
        if (first) {
            LOG.info("worker {} joined from {}", w, a);
        }
        if (running) {
            if (config.mode() == ExchangeMode.ASYNC || !live.get(w)) {
                live.set(w);
            }
            sendParams(w, frame(w, true));
        } else if (first) {
            live.set(w);
            if (live.cardinality() == config.workers()) {
                begin();
            }
        }
    }

    private void begin() {
        downlink.awaitWarmUp(WARM_UP_WAIT_MILLIS);
        running = true;
        LOG.info("parameter server starts at step {} with workers {} ({})", step.get(), live, config);
        publishToLive();
        deadlineNanos = clock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(config.workerTimeoutMillis());
    }

    /** Keeps a worker's encoder state for the checkpoint after the current step (sent only when asked, on its version). */
    private void onState(int w, PsMessage m) {
        if (replyTo[w] == null) {
            reject(RejectReason.NOT_JOINED, "encoder state from worker " + w + " before its HELLO");
        } else if (m.step() != step.get()) {
            reject(m.step() > step.get() ? RejectReason.FUTURE_STEP : RejectReason.STALE, "worker " + w
                    + " sent its encoder state for step " + m.step() + ", the server is at " + step.get());
        } else {
            try {
                encoderStates.put(w, EncoderStatePayload.decode(m.payload()));
            } catch (IllegalArgumentException e) {
                reject(RejectReason.MALFORMED, "worker " + w + ": " + e.getMessage());
            }
        }
    }

    private void onGradient(int w, PsMessage m) {
        if (replyTo[w] == null) {
            reject(RejectReason.NOT_JOINED, "gradient from worker " + w + " before its HELLO");
            return;
        }
        long current = step.get();
        if (m.step() > current || !running) {
            reject(RejectReason.FUTURE_STEP, "worker " + w + " sent a gradient on step " + m.step() + ", the server is at " + current);
            return;
        }
        EncodedGradient g = new EncodedGradient(m.payload());
        downlink.arrived(w, m.step(), g.sizeBytes(), clock.getAsLong());
        if (config.mode() == ExchangeMode.SYNC) {
            if (m.step() < current) {
                reject(RejectReason.STALE, "worker " + w + " sent step " + m.step() + " during step " + current);
            } else if (round.has(w)) {
                reject(RejectReason.DUPLICATE, "worker " + w + " sent step " + current + " twice");
            } else if (decodeInto(w, g, round.slot(w))) {
                round.fill(w);
                if (round.complete(live)) {
                    completeRound();
                }
            }
        } else if (m.step() <= lastGradientStep[w]) {
            reject(RejectReason.DUPLICATE, "worker " + w + " sent a gradient on step " + m.step() + " after one on step "
                    + lastGradientStep[w] + " (a replay)");
        } else if (current - m.step() > config.stalenessLimit()) {
            reject(RejectReason.STALE, "worker " + w + " sent step " + m.step() + ", " + (current - m.step())
                    + " behind, over the staleness limit " + config.stalenessLimit());
            sendParams(w, frame(w, false));
        } else if (decodeInto(w, g, gradient)) {
            lastGradientStep[w] = m.step();
            applyStep(gradient);
            if (!result.isDone()) {
                sendParams(w, frame(w, false));
            }
        }
    }

    private boolean decodeInto(int w, EncodedGradient g, float[] out) {
        try {
            downlink.uplinkCodec(g, codec).decode(g, out);
        } catch (CorruptMessageException | IllegalArgumentException e) {
            reject(RejectReason.CORRUPT_GRADIENT, "worker " + w + ": " + e.getMessage());
            return false;
        }
        accepted.incrementAndGet();
        bytesIn.addAndGet(g.sizeBytes());
        return true;
    }

    private void completeRound() {
        round.meanInto(gradient);
        applyStep(gradient);
        if (!result.isDone()) {
            publishToLive();
            deadlineNanos = clock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(config.workerTimeoutMillis());
        }
    }

    /**
     * Applies one step; a due checkpoint is written before the new version counts or is published,
     * so a failing write stops the server with its cause and the version stays where it was.
     */
    private void applyStep(float[] g) {
        long s = step.get() + 1;
        optimizer.apply(s - 1, params, g);
        if (checkpoints != null && config.checkpointEvery() > 0 && s % config.checkpointEvery() == 0) {
            checkpoints.save(Checkpoint.withExtra(s, optimizer.name(), params, optimizer.state(), encoderStates,
                    optimizer.extraState()));
            encoderStates.clear();
            checkpointCount.incrementAndGet();
        }
        step.set(s);
        if (s >= config.totalSteps()) {
            finish();
        } else {
            downlink.afterStep(params, clock.getAsLong());
        }
    }

    private void finish() {
        publishToLive();
        LOG.info("parameter server finished at step {}: {}", step.get(), stats());
        result.complete(new TrainingResult(params, stats()));
    }

    private void onDeadline() {
        long wait = running ? config.workerTimeoutMillis() : config.joinTimeoutMillis();
        deadlineNanos = clock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(wait);
        if (!running) {
            if (live.isEmpty()) {
                LOG.warn("no worker has joined after {} ms; still waiting on {}", config.joinTimeoutMillis(), link.address());
            } else {
                for (int w = 0; w < config.workers(); w++) {
                    if (!live.get(w)) {
                        drop(w, "did not join within " + config.joinTimeoutMillis() + " ms");
                    }
                }
                begin();
            }
        } else if (config.mode() == ExchangeMode.SYNC) {
            BitSet missing = round.missing(live);
            for (int w = missing.nextSetBit(0); w >= 0; w = missing.nextSetBit(w + 1)) {
                drop(w, "sent no gradient for step " + step.get() + " within " + config.workerTimeoutMillis() + " ms");
            }
            if (round.contributors() > 0) {
                completeRound();
            }
        }
    }

    private void drop(int w, String why) {
        dropped.add(w);
        live.clear(w);
        LOG.warn("dropping worker {}: {}; training continues with workers {}", w, why, live);
        if (live.isEmpty() && config.mode() == ExchangeMode.SYNC) {
            throw new IllegalStateException("every worker was dropped at step " + step.get() + " (last: worker " + w + ", " + why
                    + "); raise workerTimeoutMillis if the workers are slow");
        }
    }

    private void publishToLive() {
        for (int w = live.nextSetBit(0); w >= 0; w = live.nextSetBit(w + 1)) {
            sendParams(w, frame(w, false));
        }
    }

    /** Worker {@code w}'s parameters message: a full copy when {@code full}, else as the downlink decides. */
    private byte[] frame(int w, boolean full) {
        boolean last = step.get() >= config.totalSteps();
        return wire.encode(downlink.message(w, params, step.get(), last, full));
    }

    /**
     * Sends worker {@code w} its parameters message, preceded, when due, by its encoder state from
     * the checkpoint resumed from, and by the request for its state when a checkpoint follows this version.
     */
    private void sendParams(int w, byte[] frame) {
        long v = step.get();
        EncoderState resumed = v == resumedStep ? resumedEncoders.get(w) : null;
        if (resumed != null) {
            link.sendKept(w, replyTo[w], wire.encode(new PsMessage(MessageType.STATE, PsMessage.SERVER, v, false,
                    EncoderStatePayload.encode(resumed))), v);
        }
        if (checkpoints != null && config.checkpointEvery() > 0 && v < config.totalSteps() && (v + 1) % config.checkpointEvery() == 0) {
            link.sendKept(w, replyTo[w], wire.encode(new PsMessage(MessageType.STATE, PsMessage.SERVER, v, false, new byte[0])), v);
        }
        link.send(w, replyTo[w], frame, v);
    }

    /** Sync mode drops a worker it cannot reach, unless training is already over. */
    private void onSendFailed(int w, String why) {
        if (config.mode() == ExchangeMode.SYNC && step.get() < config.totalSteps() && live.get(w)) {
            drop(w, why);
            if (running && round.contributors() > 0 && round.complete(live)) {
                completeRound();
            }
        } else {
            LOG.warn("could not send parameters to worker {}: {}", w, why);
        }
    }

    private void reject(RejectReason reason, String detail) {
        rejected.incrementAndGet(reason.ordinal());
        LOG.warn("rejected a message: {}", detail);
    }

    /**
     * Stops the server thread (if running) and unbinds; the result, if not complete, fails. Waits
     * for the server thread to end (up to the worker timeout and 5 s: a turn may be writing a
     * checkpoint) even when the calling thread is interrupted, as it is when a trial is cancelled:
     * closing the link under a running server thread would unmap the buffers it polls (a JVM
     * crash in Aeron's {@code Image.poll}) and let it write a checkpoint after the caller moved on.
     * The caller's interrupt is kept.
     */
    @Override
    public void close() {
        stopping = true;
        boolean interrupted = Thread.interrupted();
        Thread t = thread;
        if (t != null) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.workerTimeoutMillis() + 5_000);
            for (long left = deadline - System.nanoTime(); t.isAlive() && left > 0; left = deadline - System.nanoTime()) {
                try {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (t.isAlive()) {
                LOG.warn("parameter server thread {} still runs {} ms after it was asked to stop; closing its link anyway",
                        t.getName(), config.workerTimeoutMillis() + 5_000);
            }
        }
        try {
            result.completeExceptionally(new IllegalStateException("parameter server closed at step " + step.get()));
            link.close();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
