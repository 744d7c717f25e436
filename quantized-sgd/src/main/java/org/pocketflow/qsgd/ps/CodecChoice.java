package org.pocketflow.qsgd.ps;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.pocketflow.qsgd.CodecId;
import org.pocketflow.qsgd.GradientCodec;
import org.pocketflow.qsgd.codec.EcqParams;
import org.pocketflow.qsgd.codec.LevelCoding;

/**
 * The auto downlink's choice between fp32 and compressed exchange, from measured numbers.
 *
 * <p><b>Model of one synchronous step</b> with codec {@code c}: the server encodes and sends one
 * message per worker, one after the other, over its link; each worker decodes, computes, encodes
 * and sends its gradient back over its own link; the server decodes every gradient:
 *
 * <pre>
 *   T(c) = Σ_w (enc_c + bytes_c / rate_w) + max_w (dec_c + compute_w + enc_c + bytes_c / rate_w) + W dec_c
 * </pre>
 *
 * with {@code bytes_c} one message's size (up and down alike: gradients and parameter updates have
 * the same length and similar statistics), {@code enc_c}, {@code dec_c} the codec's times on a
 * real update ({@code 0} for fp32, whose bytes are copied either way), {@code rate_w} the measured
 * throughput of the sends to worker {@code w} and {@code compute_w} the rest of its round trip.
 * The choice is the smallest {@code T}, but a compressed codec only when it beats fp32 by {@link
 * #MARGIN}: the model leaves out costs that only compression has (the server's copy of each
 * worker's parameters and the bound check, more passes over the parameters on both sides), and on
 * a fast link a wrong switch to compression costs more than a wrong fp32 on a slow one.
 *
 * <p>The numbers come from the calibration steps, which run in one of the compressed candidates
 * (the most compact: cheap on a slow link, a few steps' codec work on a fast one), see {@link
 * Calibration}: the link rates from those sends, the compute from those round trips less that
 * codec's work on the worker, the codec times from runs on a real update, scaled by the slowdown
 * the server saw on its own encodes during the calibration (on a loaded machine a codec costs what
 * the load makes it cost).
 *
 * <p><b>Confirmation.</b> The model charges fp32 only for its sends, and a send returns once its
 * bytes are in the transport's buffer: what follows (the transport moving them, the receiver
 * assembling, checking and copying them) is not in it, so it can predict fp32 where fp32 is slower.
 * A choice of fp32 is therefore checked on real steps ({@link #confirmed}): the server runs a few
 * fp32 steps alternating with as many steps in the calibration codec, times each end to end like
 * the calibration steps, and goes back to the fastest compressed candidate when that one's step is
 * at least {@link #CONFIRM_MARGIN} shorter than fp32's. The calibration codec's step is the one
 * measured, another candidate's is its prediction scaled by the calibration codec's measured over
 * predicted step. The steps alternate because the first steps of a run are slower than the later
 * ones (the JIT, the first passes through the model): the calibration steps, the first, are not
 * compared with later fp32 steps.
 *
 * @param chosen the chosen candidate
 * @param computeMillis the median compute time per worker
 * @param linkMbit the measured link throughput per worker
 * @param options every candidate with its predicted step time
 * @param calibration how the numbers were measured (null when given directly)
 * @param confirmation the real steps that checked a choice of fp32 (null when none ran)
 */
public record CodecChoice(Option chosen, double[] computeMillis, double[] linkMbit, List<Option> options,
                          Calibration calibration, Confirmation confirmation) {

    /**
     * The calibration behind a choice.
     *
     * @param codec the name of the codec the calibration steps ran in
     * @param steps the steps timed
     * @param stepMillis the median measured step time in that codec
     * @param slowdown the factor applied to the codec times: the fastest of the server's encodes
     *     during the calibration over the same encode timed alone, at least 1
     */
    public record Calibration(String codec, int steps, double stepMillis, double slowdown) {
    }

    /**
     * The real steps that checked a choice of fp32: fp32 steps alternating with as many steps in
     * the calibration codec.
     *
     * @param steps the fp32 steps timed (and the calibration codec's)
     * @param fp32Millis the fp32 steps' median time
     * @param compressedMillis per compressed option, in the order of {@link #options()} less fp32:
     *     for the calibration codec the median time of its steps among the fp32 ones, for the
     *     others their prediction times the calibration codec's measured over predicted step
     */
    public record Confirmation(int steps, double fp32Millis, double[] compressedMillis) {
    }

    /** How much shorter than fp32's a compressed codec's predicted step must be for it to be chosen. */
    public static final double MARGIN = 0.1;

    /**
     * How much shorter than the measured fp32 step a compressed codec's step must be for a
     * confirmation to go back to it: the two are medians of a few steps each, and step times
     * swing by a few percent from one step to the next.
     */
    public static final double CONFIRM_MARGIN = 0.05;

    /**
     * One candidate and what it costs.
     *
     * @param codec the codec, null for fp32
     * @param messageBytes one message's bytes
     * @param encodeNanos one encode
     * @param decodeNanos one decode
     * @param predictedMillis the model's step time (filled by {@link #choose})
     */
    public record Option(GradientCodec codec, long messageBytes, long encodeNanos, long decodeNanos, double predictedMillis) {

        /** fp32 (also for the identity codec), ecq, ecq-rl, or the codec id for others. */
        public String name() {
            return name(codec);
        }

        /** The short name of a codec as the configuration spells it (fp32 for null). */
        public static String name(GradientCodec codec) {
            if (codec == null || codec.id() == CodecId.IDENTITY) {
                return "fp32";
            }
            String id = codec.id().name().toLowerCase(Locale.ROOT).replace('_', '-');
            return codec.params() instanceof EcqParams p && p.coding() == LevelCoding.RUN_LENGTH ? id + "-rl" : id;
        }
    }

    /**
     * Predicts every option's step time and picks the shortest.
     *
     * @param computeNanos per worker, its round trip minus its two transfers
     * @param bytesPerSecond per worker, its measured link throughput
     * @param options fp32 first, then the compressed candidates (predictions are filled in)
     */
    public static CodecChoice choose(double[] computeNanos, double[] bytesPerSecond, List<Option> options) {
        return choose(computeNanos, bytesPerSecond, options, null);
    }

    /**
     * As {@link #choose(double[], double[], List)}, recording the calibration for {@link #describe}.
     *
     * @param calibration how the numbers were measured, or null
     */
    public static CodecChoice choose(double[] computeNanos, double[] bytesPerSecond, List<Option> options,
                                     Calibration calibration) {
        if (computeNanos.length == 0 || computeNanos.length != bytesPerSecond.length) {
            throw new IllegalArgumentException("need one compute time and one link rate per worker, got " + computeNanos.length
                    + " and " + bytesPerSecond.length);
        }
        List<Option> predicted = new ArrayList<>();
        Option best = null;
        for (Option o : options) {
            Option p = new Option(o.codec(), o.messageBytes(), o.encodeNanos(), o.decodeNanos(),
                    predictNanos(o, computeNanos, bytesPerSecond) / 1e6);
            predicted.add(p);
            if (best == null || p.predictedMillis() < best.predictedMillis()) {
                best = p;
            }
        }
        Option fp32 = predicted.get(0);
        if (fp32.codec() == null && best.predictedMillis() > (1 - MARGIN) * fp32.predictedMillis()) {
            best = fp32;
        }
        double[] computeMs = new double[computeNanos.length];
        double[] mbit = new double[computeNanos.length];
        for (int w = 0; w < computeNanos.length; w++) {
            computeMs[w] = computeNanos[w] / 1e6;
            mbit[w] = bytesPerSecond[w] * 8 / 1e6;
        }
        return new CodecChoice(best, computeMs, mbit, List.copyOf(predicted), calibration, null);
    }

    /**
     * This choice of fp32 checked on {@code steps} real fp32 steps of median {@code fp32StepMillis}
     * that alternated with as many steps in the calibration codec, of median {@code
     * calibrationStepMillis}: the fastest compressed option (measured for the calibration codec,
     * rescaled for the others) when its step is at least {@link #CONFIRM_MARGIN} shorter, fp32 otherwise.
     *
     * @throws IllegalStateException if fp32 was not chosen or there is no calibration to compare with
     */
    public CodecChoice confirmed(int steps, double fp32StepMillis, double calibrationStepMillis) {
        if (chosen.codec() != null || calibration == null) {
            throw new IllegalStateException("only a calibrated choice of fp32 is confirmed, not " + describe());
        }
        Option calibrated = options.stream().filter(o -> o.name().equals(calibration.codec())).findFirst()
                .orElseThrow(() -> new IllegalStateException("the calibration codec " + calibration.codec()
                        + " is not among the options of " + describe()));
        double scale = calibrationStepMillis / calibrated.predictedMillis();
        double[] compressed = new double[options.size() - 1];
        Option best = options.get(0);
        double bestMillis = fp32StepMillis * (1 - CONFIRM_MARGIN);
        for (int i = 1; i < options.size(); i++) {
            Option o = options.get(i);
            compressed[i - 1] = o == calibrated ? calibrationStepMillis : o.predictedMillis() * scale;
            if (compressed[i - 1] < bestMillis) {
                best = o;
                bestMillis = compressed[i - 1];
            }
        }
        return new CodecChoice(best, computeMillis, linkMbit, options, calibration,
                new Confirmation(steps, fp32StepMillis, compressed));
    }

    private static double predictNanos(Option o, double[] computeNanos, double[] bytesPerSecond) {
        double serverSends = 0;
        double slowestWorker = 0;
        for (int w = 0; w < computeNanos.length; w++) {
            double transfer = o.messageBytes() / bytesPerSecond[w] * 1e9;
            serverSends += o.encodeNanos() + transfer;
            slowestWorker = Math.max(slowestWorker, o.decodeNanos() + computeNanos[w] + o.encodeNanos() + transfer);
        }
        return serverSends + slowestWorker + computeNanos.length * (double) o.decodeNanos();
    }

    /** One line with the numbers, for the log and the report. */
    public String describe() {
        StringBuilder b = new StringBuilder("codec auto chose ").append(chosen.name()).append(": compute");
        for (double c : computeMillis) {
            b.append(String.format(Locale.ROOT, " %.1f", c));
        }
        b.append(" ms/step, links");
        for (double m : linkMbit) {
            b.append(String.format(Locale.ROOT, " %,.0f", m));
        }
        b.append(" Mbit/s; predicted step");
        for (Option o : options) {
            b.append(String.format(Locale.ROOT, " %s %.1f ms (%,d B, encode %.2f ms, decode %.2f ms)", o.name(),
                    o.predictedMillis(), o.messageBytes(), o.encodeNanos() / 1e6, o.decodeNanos() / 1e6));
            b.append(o == options.get(options.size() - 1) ? "" : ",");
        }
        if (calibration != null) {
            b.append(String.format(Locale.ROOT, "; calibrated on %s over %d steps, measured %.1f ms/step, codec times x%.2f for the"
                    + " load", calibration.codec(), calibration.steps(), calibration.stepMillis(), calibration.slowdown()));
        }
        if (confirmation != null) {
            b.append(String.format(Locale.ROOT, "; model chose fp32, then %d fp32 steps alternating with %d %s steps measured"
                    + " fp32 %.1f ms/step against", confirmation.steps(), confirmation.steps(), calibration.codec(),
                    confirmation.fp32Millis()));
            for (int i = 1; i < options.size(); i++) {
                String name = options.get(i).name();
                b.append(String.format(Locale.ROOT, " %s %.1f ms/step (%s)", name, confirmation.compressedMillis()[i - 1],
                        name.equals(calibration.codec()) ? "measured" : "predicted, rescaled"));
                b.append(i == options.size() - 1 ? "" : ",");
            }
        }
        return b.toString();
    }
}
