package org.pocketflow.qsgd.ps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.pocketflow.qsgd.CodecId;
import org.pocketflow.qsgd.EncodedGradient;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.codec.CodecCatalog;
import org.pocketflow.qsgd.ps.wire.MessageType;
import org.pocketflow.qsgd.ps.wire.PsMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's side of the downlink ({@link DownlinkPolicy}): what each worker holds, and the
 * message that brings it to the current parameters.
 *
 * <p><b>Error feedback.</b> For worker {@code w} the server keeps an exact copy {@code x_w} of the
 * worker's parameters and the parameters {@code b_w} of its last message. A message encodes the
 * update {@code g = θ - b_w} with the worker's own encoder of the downlink codec, whose residual
 * is therefore {@code θ - x_w}: what earlier messages left out is added back (ECQ's α) before
 * quantizing, so nothing is lost, only delayed. The server decodes its own message and adds it to
 * {@code x_w} with the same float operations as the worker ({@code decodeAdd}), so {@code x_w}
 * stays bit-identical to the worker's copy.
 *
 * <p><b>The bound.</b> After every compressed message, {@code max_i |θ_i - x_w,i| <= κ max_i |g_i|}
 * (κ the policy's {@code driftFactor}): no worker is further from the server than κ times the
 * change it was just sent. The server checks the copy it would leave and, when the bound would not hold, sends the full
 * fp32 parameters instead ({@code x_w = θ}, drift 0) and starts the worker's encoder afresh. Full
 * copies also go out when a worker joins or rejoins (HELLO), when a worker's copy does not follow
 * (it asks again with HELLO) and with the final parameters, so every worker ends exact. So every
 * gradient is computed on parameters within κ updates of the version it names.
 *
 * <p><b>Auto.</b> The updates go out in the policy's calibration codec from the first step on,
 * while {@link Timings} records each worker's link and round trip and the server's own encodes;
 * after {@code calibrationSteps} timed steps {@link CodecChoice} picks fp32 or a candidate. A
 * replica that changes codec starts its new encoder from its own copy ({@code b_w = x_w}), so
 * what the old encoder still owed goes out with the next update. A choice of fp32 is confirmed on
 * {@code calibrationSteps} real fp32 steps alternating with as many steps in the calibration codec,
 * each timed like the calibration steps ({@link CodecChoice#confirmed}). Meanwhile each fp32 step's
 * full copy resynchronises the replica, so the compressed step after it sends an update from that
 * copy with a fresh encoder; after the last of them the chosen codec goes on from the replicas (a
 * replica that changes codec as above), or, for fp32, the replicas are dropped.
 *
 * <p>Owned by the server thread; not thread-safe.
 */
final class Downlink {
    private static final Logger LOG = LoggerFactory.getLogger(Downlink.class);
    private static final long SEED = 0x5EED_D0A1L;
    /** Runs of each candidate's encode and decode per calibration step. */
    private static final int TIMING_RUNS = 2;
    /** Rounds of {@link #warmUp}, {@link #TIMING_RUNS} runs of each candidate each. */
    private static final int WARM_UP_ROUNDS = 15;

    private final DownlinkPolicy policy;
    private final Replica[] replicas;
    private final Timings timings;
    private GradientCodec codec;
    private long fullMessages;
    private long compressedMessages;
    private long bytesOut;
    private long driftResyncs;
    private float maxDrift;
    private CodecChoice choice;
    /** Auto: while a choice of fp32 is being confirmed, its fp32 steps' times (null otherwise). */
    private List<Double> confirmingFp32;
    /** Auto: while a choice of fp32 is being confirmed, the times of the calibration codec's steps among them. */
    private List<Double> confirmingCompressed;
    /** Auto: each candidate's encode and decode timed alone, the fastest timing so far (null before the first). */
    private List<CodecChoice.Option> alone;
    private Thread warmUp;
    private PsMessage lastFull;

    Downlink(DownlinkPolicy policy, int workers) {
        this.policy = policy;
        this.replicas = new Replica[workers];
        this.codec = switch (policy.mode()) {
            case FP32 -> null;
            case COMPRESSED -> policy.codec();
            case AUTO -> policy.calibrationCodec();
        };
        this.timings = policy.mode() == DownlinkPolicy.Mode.AUTO ? new Timings(workers) : null;
    }

    /**
     * The message that brings worker {@code w} to {@code params} (version {@code step}): a full
     * copy when {@code full}, {@code last}, in fp32 mode or when the bound would break; an encoded
     * update otherwise.
     */
    synchronized PsMessage message(int w, float[] params, long step, boolean last, boolean full) {
        Replica r = codec != null || confirming() ? replica(w, params.length) : null;
        if (codec != null && !full && !last && r.synced) {
            long t0 = System.nanoTime();
            EncodedGradient m = r.update(params, codec, policy.driftFactor());
            if (calibrating()) {
                timings.encoded(System.nanoTime() - t0);
            }
            if (m != null) {
                compressedMessages++;
                bytesOut += m.sizeBytes();
                maxDrift = Math.max(maxDrift, r.drift);
                return new PsMessage(MessageType.PARAMS_DELTA, PsMessage.SERVER, step, false,
                        DeltaPayload.encode(r.sequence, m));
            }
            driftResyncs++;
        }
        if (r != null) {
            r.resync(params);
        }
        fullMessages++;
        bytesOut += 4L * params.length;
        if (lastFull == null || lastFull.step() != step || lastFull.last() != last) {
            lastFull = new PsMessage(MessageType.PARAMS, PsMessage.SERVER, step, last, ParamsPayload.encode(params));
        }
        return lastFull;
    }

    /**
     * Auto: runs each candidate's encode and decode a few times on a random vector of {@code n}
     * values on a daemon thread, so that the JIT has compiled every candidate, not only the
     * calibration codec, by the time they are timed; it overlaps the workers' joining, and the first
     * step waits for it ({@link #awaitWarmUp}).
     */
    void warmUp(int n) {
        if (timings == null) {
            return;
        }
        warmUp = new Thread(() -> {
            java.util.SplittableRandom random = new java.util.SplittableRandom(SEED);
            float[] g = new float[n];
            for (int i = 0; i < n; i++) {
                g[i] = (float) random.nextGaussian();
            }
            for (int round = 0; round < WARM_UP_ROUNDS; round++) {
                policy.candidates().forEach(c -> time(c, g));
            }
        }, "pocketflow-ps-codec-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
    }

    /** Waits up to {@code millis} for {@link #warmUp} to end (at once when there is none). */
    void awaitWarmUp(long millis) {
        Thread t = warmUp;
        if (t == null) {
            return;
        }
        try {
            t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the auto choice is still to be made. */
    private boolean calibrating() {
        return timings != null && choice == null;
    }

    private Replica replica(int w, int n) {
        if (replicas[w] == null) {
            replicas[w] = new Replica(w, n);
        }
        return replicas[w];
    }

    /**
     * The codec a gradient from a worker may use: the server's own {@code fixed} codec, or, in
     * auto mode, the codec of the message itself when it is fp32's or one of the candidates.
     */
    GradientCodec uplinkCodec(EncodedGradient g, GradientCodec fixed) {
        if (timings == null) {
            return fixed;
        }
        GradientCodec theirs;
        try {
            theirs = CodecCatalog.forMessage(g);
        } catch (RuntimeException e) {
            return fixed;
        }
        return theirs.id() == CodecId.IDENTITY || policy.candidates().contains(theirs) ? theirs : fixed;
    }

    /** The server sent {@code bytes} to worker {@code w} in {@code nanos}, ending at {@code endNanos}. */
    void sent(int w, long step, int bytes, long nanos, long endNanos) {
        if (calibrating()) {
            timings.sent(w, step, bytes, nanos, endNanos);
        }
    }

    /** A gradient of {@code bytes} from worker {@code w}, computed on version {@code step}, arrived now. */
    void arrived(int w, long step, int bytes, long nowNanos) {
        if (calibrating()) {
            timings.arrived(w, step, bytes, nowNanos);
        }
    }

    /**
     * After an optimizer step, ended at {@code nowNanos}: in auto mode, times every candidate
     * alone on this step's update (a couple of runs a step, so that the JIT compiles each codec
     * while the calibration goes on and the fastest run is a compiled one), and once enough steps
     * were timed, chooses. While a choice of fp32 is confirmed, records the step's time under the
     * codec it ran in and switches between fp32 and the calibration codec for the next, until both
     * have {@code calibrationSteps} steps.
     */
    synchronized void afterStep(float[] params, long nowNanos) {
        if (confirming()) {
            timings.stepEnded(nowNanos);
            (codec == null ? confirmingFp32 : confirmingCompressed).add(timings.lastStepNanos());
            if (confirmingCompressed.size() >= policy.calibrationSteps()) {
                confirm();
            } else {
                codec = codec == null ? policy.calibrationCodec() : null;
            }
            return;
        }
        if (!calibrating()) {
            return;
        }
        timings.stepEnded(nowNanos);
        Replica r = null;
        for (Replica candidate : replicas) {
            if (candidate != null && candidate.synced) {
                r = candidate;
                break;
            }
        }
        if (r == null) {
            return;
        }
        float[] update = new float[params.length];
        for (int i = 0; i < update.length; i++) {
            update[i] = params[i] - r.base[i];
        }
        List<CodecChoice.Option> timed = new ArrayList<>();
        for (int i = 0; i < policy.candidates().size(); i++) {
            CodecChoice.Option now = time(policy.candidates().get(i), update);
            CodecChoice.Option before = alone == null ? now : alone.get(i);
            timed.add(now.encodeNanos() + now.decodeNanos() <= before.encodeNanos() + before.decodeNanos() ? now : before);
        }
        alone = timed;
        if (timings.complete(policy.calibrationSteps())) {
            choose(params.length);
        }
    }

    private void choose(int n) {
        CodecChoice.Option calibrated = alone.get(policy.candidates().indexOf(codec));
        // the fastest of the server's own encodes: the first ones run before the JIT has compiled the codec
        double slowdown = Math.max(1, timings.fastestEncodeNanos() / Math.max(1, calibrated.encodeNanos()));
        List<CodecChoice.Option> options = new ArrayList<>();
        options.add(new CodecChoice.Option(null, 4L * n, 0, 0, 0));
        for (CodecChoice.Option o : alone) {
            options.add(new CodecChoice.Option(o.codec(), o.messageBytes(), Math.round(o.encodeNanos() * slowdown),
                    Math.round(o.decodeNanos() * slowdown), 0));
        }
        // the round trips measured include the calibration codec's work on the worker: the model adds each option's own
        double workerCodec = slowdown * (calibrated.decodeNanos() + calibrated.encodeNanos());
        double[] compute = timings.computeNanos();
        for (int w = 0; w < compute.length; w++) {
            compute[w] = Math.max(0, compute[w] - workerCodec);
        }
        choice = CodecChoice.choose(compute, timings.bytesPerSecond(), options, new CodecChoice.Calibration(
                CodecChoice.Option.name(codec), policy.calibrationSteps(), timings.medianStepNanos() / 1e6, slowdown));
        codec = choice.chosen().codec();
        LOG.info("downlink {}", choice.describe());
        if (codec == null) {
            confirmingFp32 = new ArrayList<>();
            confirmingCompressed = new ArrayList<>();
            LOG.info("downlink: confirming fp32 on {} real steps alternating with as many in {}", policy.calibrationSteps(),
                    CodecChoice.Option.name(policy.calibrationCodec()));
        }
    }

    /** Whether a choice of fp32 is being checked on real steps. */
    private boolean confirming() {
        return confirmingFp32 != null;
    }

    /** Ends the confirmation of fp32: keeps it, or goes on in the compressed codec that measured faster. */
    private void confirm() {
        choice = choice.confirmed(policy.calibrationSteps(), Timings.median(confirmingFp32) / 1e6,
                Timings.median(confirmingCompressed) / 1e6);
        confirmingFp32 = null;
        confirmingCompressed = null;
        codec = choice.chosen().codec();
        LOG.info("downlink {}", choice.describe());
        if (codec == null) {
            Arrays.fill(replicas, null);
        }
    }

    /**
     * Encode and decode times of {@code c} on a real update: the fastest of a few runs. The encode
     * time counts a decode too: the server decodes each of its messages into its copy of the
     * worker's parameters (and so does a worker's gradient, on the server).
     */
    private static CodecChoice.Option time(GradientCodec c, float[] update) {
        GradientEncoder e = c.newEncoder(SEED);
        float[] out = new float[update.length];
        long enc = Long.MAX_VALUE;
        long dec = Long.MAX_VALUE;
        int bytes = 0;
        for (int run = 0; run < TIMING_RUNS; run++) {
            long t0 = System.nanoTime();
            EncodedGradient m = e.encode(update);
            long t1 = System.nanoTime();
            c.decode(m, out);
            long t2 = System.nanoTime();
            enc = Math.min(enc, t1 - t0);
            dec = Math.min(dec, t2 - t1);
            bytes = m.sizeBytes();
        }
        return new CodecChoice.Option(c, bytes, enc + dec, dec, 0);
    }

    synchronized DownlinkStats stats() {
        return new DownlinkStats(fullMessages, compressedMessages, bytesOut, driftResyncs, maxDrift,
                choice == null ? "" : choice.describe());
    }

    /** What the server knows of one worker's copy. */
    private static final class Replica {
        private final int worker;
        private float[] x;
        private float[] next;
        private final float[] base;
        private final float[] update;
        private GradientEncoder encoder;
        private long resyncs;
        private long sequence;
        private boolean synced;
        private float drift;

        Replica(int worker, int n) {
            this.worker = worker;
            this.x = new float[n];
            this.next = new float[n];
            this.base = new float[n];
            this.update = new float[n];
        }

        void resync(float[] params) {
            System.arraycopy(params, 0, x, 0, x.length);
            System.arraycopy(params, 0, base, 0, base.length);
            encoder = null;
            sequence = 0;
            synced = true;
            drift = 0;
        }

        /** The encoded update, or null (and unsynced) when it would leave the copy beyond {@code factor} times its largest change. */
        EncodedGradient update(float[] params, GradientCodec codec, float factor) {
            if (encoder != null && !encoder.codec().equals(codec)) {
                // the old encoder's residual is θ's distance from the copy: start the new one from the copy itself
                System.arraycopy(x, 0, base, 0, base.length);
                encoder = null;
            }
            if (encoder == null) {
                encoder = codec.newEncoder(SEED ^ (worker * 0x9E3779B97F4A7C15L) ^ resyncs++);
            }
            float largest = 0;
            for (int i = 0; i < update.length; i++) {
                update[i] = params[i] - base[i];
                largest = Math.max(largest, Math.abs(update[i]));
            }
            EncodedGradient m = encoder.encode(update);
            System.arraycopy(x, 0, next, 0, x.length);
            codec.decodeAdd(m, next);
            float d = 0;
            for (int i = 0; i < next.length; i++) {
                d = Math.max(d, Math.abs(params[i] - next[i]));
            }
            if (!(d <= factor * largest)) {
                synced = false;
                return null;
            }
            float[] t = x;
            x = next;
            next = t;
            System.arraycopy(params, 0, base, 0, base.length);
            sequence++;
            drift = d;
            return m;
        }
    }

    /**
     * The auto mode's timings of the calibration steps: per worker its link rate (from the
     * server's sends to it) and its round trip less the transfers; the server's own encodes; the
     * step times.
     *
     * <p><b>Link rate.</b> A send's own time is from its start, or from the end of the send before
     * it if that ended later, to its end: the server's sends share one interface, so a send queued
     * behind another's bytes is not charged for them. A rate measured on small messages counts each
     * send's fixed cost (a wake-up, a hand-off) as if it were bytes: the joins' full copies (version
     * 0) measure the rate of bulk bytes better, the updates of the calibration steps are more
     * samples; the higher of the two medians is the link's rate.
     */
    private static final class Timings {
        private final long[] sendEnd;
        private final double[] rate;
        private final List<List<Double>> rates = new ArrayList<>();
        private final List<List<Double>> joins = new ArrayList<>();
        private final List<List<Double>> compute = new ArrayList<>();
        private final List<Double> encodes = new ArrayList<>();
        private final List<Double> stepTimes = new ArrayList<>();
        private long interfaceBusyUntil;
        private long lastStepEnd;

        Timings(int workers) {
            sendEnd = new long[workers];
            rate = new double[workers];
            for (int w = 0; w < workers; w++) {
                rates.add(new ArrayList<>());
                joins.add(new ArrayList<>());
                compute.add(new ArrayList<>());
            }
        }

        void sent(int w, long step, int bytes, long nanos, long endNanos) {
            long own = endNanos - Math.max(endNanos - nanos, interfaceBusyUntil);
            interfaceBusyUntil = Math.max(interfaceBusyUntil, endNanos);
            sendEnd[w] = endNanos;
            double bytesPerSecond = bytes / (Math.max(1, own > 0 ? own : nanos) / 1e9);
            (step > 0 ? rates : joins).get(w).add(bytesPerSecond);
            rate[w] = Math.max(median(joins.get(w)), median(rates.get(w)));
        }

        void arrived(int w, long step, int bytes, long nowNanos) {
            if (step > 0 && sendEnd[w] != 0 && rate[w] > 0) {
                compute.get(w).add(Math.max(0, nowNanos - sendEnd[w] - bytes / rate[w] * 1e9));
            }
        }

        /** One update encoded (with the server's decode into its copy and the bound check) in {@code nanos}. */
        void encoded(long nanos) {
            encodes.add((double) nanos);
        }

        /** A step ended at {@code nowNanos} (the first one only starts the clock: it includes the joins). */
        void stepEnded(long nowNanos) {
            if (lastStepEnd != 0) {
                stepTimes.add((double) (nowNanos - lastStepEnd));
            }
            lastStepEnd = nowNanos;
        }

        /** Whether every worker that has been timed at all has {@code steps} samples (and at least one has). */
        boolean complete(int steps) {
            boolean any = false;
            for (int w = 0; w < compute.size(); w++) {
                int n = compute.get(w).size();
                if (n > 0 && (n < steps || rates.get(w).isEmpty())) {
                    return false;
                }
                any |= n > 0;
            }
            return any && !encodes.isEmpty();
        }

        double[] computeNanos() {
            return timed(compute);
        }

        double[] bytesPerSecond() {
            return java.util.stream.IntStream.range(0, rate.length).filter(w -> !compute.get(w).isEmpty())
                    .mapToDouble(w -> rate[w]).toArray();
        }

        double fastestEncodeNanos() {
            return encodes.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        }

        double medianStepNanos() {
            return median(stepTimes);
        }

        /** The last step's time. */
        double lastStepNanos() {
            return stepTimes.get(stepTimes.size() - 1);
        }

        private double[] timed(List<List<Double>> samples) {
            return java.util.stream.IntStream.range(0, samples.size()).filter(w -> !compute.get(w).isEmpty())
                    .mapToDouble(w -> median(samples.get(w))).toArray();
        }

        private static double median(List<Double> xs) {
            double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return s.length == 0 ? 0 : s[s.length / 2];
        }
    }
}
