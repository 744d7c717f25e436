package org.pocketflow.qsgd.ps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * <p>Owned by the server thread; not thread-safe.
 */
final class Downlink {
    private static final Logger LOG = LoggerFactory.getLogger(Downlink.class);
    private static final long SEED = 0x5EED_D0A1L;
    /** How long the auto choice may spend timing the candidates' encode and decode. */
    private static final long TIMING_BUDGET_NANOS = 200_000_000L;

    private final DownlinkPolicy policy;
    private final Replica[] replicas;
    private final Calibration calibration;
    private GradientCodec codec;
    private long fullMessages;
    private long compressedMessages;
    private long bytesOut;
    private long driftResyncs;
    private float maxDrift;
    private CodecChoice choice;
    private PsMessage lastFull;

    Downlink(DownlinkPolicy policy, int workers) {
        this.policy = policy;
        this.replicas = new Replica[workers];
        this.codec = policy.mode() == DownlinkPolicy.Mode.COMPRESSED ? policy.codec() : null;
        this.calibration = policy.mode() == DownlinkPolicy.Mode.AUTO ? new Calibration(workers) : null;
    }

    /**
     * The message that brings worker {@code w} to {@code params} (version {@code step}): a full
     * copy when {@code full}, {@code last}, in fp32 mode or when the bound would break; an encoded
     * update otherwise.
     */
    synchronized PsMessage message(int w, float[] params, long step, boolean last, boolean full) {
        Replica r = tracking() ? replica(w, params.length) : null;
        if (codec != null && !full && !last && r.synced) {
            EncodedGradient m = r.update(params, codec, policy.driftFactor());
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

    /** Whether the replicas are kept (compressed now, or possibly after the auto choice). */
    private boolean tracking() {
        return codec != null || (calibration != null && choice == null);
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
        if (calibration == null) {
            return fixed;
        }
        GradientCodec theirs;
        try {
            theirs = CodecCatalog.forMessage(g);
        } catch (RuntimeException e) {
            return fixed;
        }
        return policy.candidates().contains(theirs) ? theirs : fixed;
    }

    /** The server sent {@code bytes} to worker {@code w} in {@code nanos}, ending at {@code endNanos}. */
    void sent(int w, long step, int bytes, long nanos, long endNanos) {
        if (calibration != null && choice == null) {
            calibration.sent(w, step, bytes, nanos, endNanos);
        }
    }

    /** A gradient of {@code bytes} from worker {@code w}, computed on version {@code step}, arrived now. */
    void arrived(int w, long step, int bytes, long nowNanos) {
        if (calibration != null && choice == null) {
            calibration.arrived(w, step, bytes, nowNanos);
        }
    }

    /** After an optimizer step: in auto mode, once enough steps were timed, choose. */
    synchronized void afterStep(float[] params) {
        if (calibration == null || choice != null || !calibration.complete(policy.calibrationSteps())) {
            return;
        }
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
        List<CodecChoice.Option> options = new ArrayList<>();
        options.add(new CodecChoice.Option(null, 4L * params.length, 0, 0, 0));
        float[] update = new float[params.length];
        for (int i = 0; i < update.length; i++) {
            update[i] = params[i] - r.base[i];
        }
        // two rounds, the faster kept: the first candidate timed would otherwise pay the shared code's JIT warm-up
        List<CodecChoice.Option> first = policy.candidates().stream().map(c -> time(c, update)).toList();
        for (int i = 0; i < first.size(); i++) {
            CodecChoice.Option again = time(policy.candidates().get(i), update);
            options.add(again.encodeNanos() + again.decodeNanos() < first.get(i).encodeNanos() + first.get(i).decodeNanos()
                    ? again : first.get(i));
        }
        choice = CodecChoice.choose(calibration.computeNanos(), calibration.bytesPerSecond(), options);
        codec = choice.chosen().codec();
        LOG.info("downlink {}", choice.describe());
        if (codec == null) {
            Arrays.fill(replicas, null);
        }
    }

    /**
     * Encode and decode times of {@code c} on a real update: the fastest of a few runs, after a
     * warm-up. The encode time counts a decode too: the server decodes each of its messages into
     * its copy of the worker's parameters (and so does a worker's gradient, on the server).
     */
    private static CodecChoice.Option time(GradientCodec c, float[] update) {
        GradientEncoder e = c.newEncoder(SEED);
        float[] out = new float[update.length];
        long enc = Long.MAX_VALUE;
        long dec = Long.MAX_VALUE;
        int bytes = 0;
        long start = System.nanoTime();
        for (int run = 0; run < 20 && (run < 3 || System.nanoTime() - start < TIMING_BUDGET_NANOS); run++) {
            long t0 = System.nanoTime();
            EncodedGradient m = e.encode(update);
            long t1 = System.nanoTime();
            c.decode(m, out);
            long t2 = System.nanoTime();
            if (run > 0) {
                enc = Math.min(enc, t1 - t0);
                dec = Math.min(dec, t2 - t1);
            }
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
            if (encoder == null || !encoder.codec().equals(codec)) {
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

    /** The auto mode's timings of the first steps, per worker. */
    private static final class Calibration {
        private final long[] sendEnd;
        private final double[] rate;
        private final List<List<Double>> rates = new ArrayList<>();
        private final List<List<Double>> compute = new ArrayList<>();

        Calibration(int workers) {
            sendEnd = new long[workers];
            rate = new double[workers];
            for (int w = 0; w < workers; w++) {
                rates.add(new ArrayList<>());
                compute.add(new ArrayList<>());
            }
        }

        void sent(int w, long step, int bytes, long nanos, long endNanos) {
            sendEnd[w] = endNanos;
            if (step > 0) {
                rates.get(w).add(bytes / (Math.max(1, nanos) / 1e9));
                rate[w] = median(rates.get(w));
            } else if (rate[w] == 0) {
                rate[w] = bytes / (Math.max(1, nanos) / 1e9);
            }
        }

        void arrived(int w, long step, int bytes, long nowNanos) {
            if (step > 0 && sendEnd[w] != 0 && rate[w] > 0) {
                compute.get(w).add(Math.max(0, nowNanos - sendEnd[w] - bytes / rate[w] * 1e9));
            }
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
            return any;
        }

        double[] computeNanos() {
            return timed(compute);
        }

        double[] bytesPerSecond() {
            return timed(rates);
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
