package org.pocketflow.qsgd.ps;

import java.util.List;
import org.pocketflow.qsgd.GradientCodec;

/**
 * How the server sends parameters back to the workers; immutable. Give it to {@link
 * ParameterServer#setDownlink} before {@code start()}.
 *
 * <ul>
 *   <li>{@link Mode#FP32}: every worker gets the full fp32 parameters every time (the default).</li>
 *   <li>{@link Mode#COMPRESSED}: every worker gets the update since its own copy, encoded by
 *       {@code codec} with server-side error feedback ({@link Downlink}); a full copy when it
 *       joins, rejoins, when training ends, and whenever its copy would drift from the server's
 *       parameters by more than {@code driftFactor} times the largest change that update carried.</li>
 *   <li>{@link Mode#AUTO}: the first {@code calibrationSteps} steps (after the first) in the
 *       {@linkplain #calibrationCodec() calibration codec}, the most compact candidate, while the
 *       server times each worker's compute and link and its own encodes, then whichever of fp32
 *       and the {@code candidates} predicts the shortest step ({@link CodecChoice}); a choice of
 *       fp32 then runs {@code calibrationSteps} real fp32 steps alternating with as many in the
 *       calibration codec, and goes back to a candidate if that one measured faster after all; workers that follow the server ({@link
 *       ServerChosenEncoder}) send gradients in the codec of the parameters they got.</li>
 * </ul>
 *
 * @param mode see above
 * @param codec the downlink codec of {@link Mode#COMPRESSED} (null otherwise)
 * @param candidates the compressed codecs {@link Mode#AUTO} weighs against fp32, the most compact last
 *     (empty otherwise)
 * @param driftFactor κ of the bound {@code max_i |θ_i - x_i| <= κ max_i |θ_i - b_i|} that every
 *     compressed message keeps ({@code θ} the server's parameters, {@code x} the worker's copy
 *     after the message, {@code b} the parameters of the worker's previous message): a worker is
 *     never further from the server than κ times the change it was just sent, so compression never
 *     costs more than κ updates of staleness; a message that would leave more is replaced by a full copy
 * @param calibrationSteps {@link Mode#AUTO}: steps timed before the choice (the first step, with
 *     its warm-up, is not counted), and fp32 steps (with as many in the calibration codec) timed
 *     to confirm a choice of fp32
 */
public record DownlinkPolicy(Mode mode, GradientCodec codec, List<GradientCodec> candidates, float driftFactor,
                             int calibrationSteps) {

    /** Default {@link #driftFactor}; {@code DownlinkDriftTest} measures how rarely it needs a full copy. */
    public static final float DEFAULT_DRIFT_FACTOR = 5f;
    /** Default {@link #calibrationSteps}. */
    public static final int DEFAULT_CALIBRATION_STEPS = 4;

    /** The three policies. */
    public enum Mode { FP32, COMPRESSED, AUTO }

    public DownlinkPolicy {
        if (mode == null) {
            throw new IllegalArgumentException("downlink mode must be FP32, COMPRESSED or AUTO, but got null");
        }
        candidates = candidates == null ? List.of() : List.copyOf(candidates);
        if (mode == Mode.COMPRESSED && codec == null) {
            throw new IllegalArgumentException("a compressed downlink needs a codec");
        }
        if (mode == Mode.AUTO && candidates.isEmpty()) {
            throw new IllegalArgumentException("an auto downlink needs at least one compressed codec to weigh against fp32");
        }
        if (!(driftFactor > 0) || Float.isInfinite(driftFactor)) {
            throw new IllegalArgumentException("downlink driftFactor must be finite and > 0, but got " + driftFactor);
        }
        if (calibrationSteps < 1) {
            throw new IllegalArgumentException("downlink calibrationSteps must be >= 1, but got " + calibrationSteps);
        }
    }

    /**
     * The codec of {@link Mode#AUTO}'s calibration steps: the last candidate, the most compact,
     * so that calibrating costs little on a slow link (null in the other modes).
     */
    public GradientCodec calibrationCodec() {
        return candidates.isEmpty() ? null : candidates.get(candidates.size() - 1);
    }

    /** Full fp32 parameters every time. */
    public static DownlinkPolicy fp32() {
        return new DownlinkPolicy(Mode.FP32, null, List.of(), DEFAULT_DRIFT_FACTOR, DEFAULT_CALIBRATION_STEPS);
    }

    /** Updates encoded by {@code codec}, each worker's copy within {@code driftFactor} updates of the server's parameters. */
    public static DownlinkPolicy compressed(GradientCodec codec, float driftFactor) {
        return new DownlinkPolicy(Mode.COMPRESSED, codec, List.of(), driftFactor, DEFAULT_CALIBRATION_STEPS);
    }

    /**
     * fp32 or one of {@code candidates}, whichever the first steps' timings predict to be faster;
     * those steps run in the last candidate, which should be the most compact.
     */
    public static DownlinkPolicy auto(List<GradientCodec> candidates, float driftFactor) {
        return new DownlinkPolicy(Mode.AUTO, null, candidates, driftFactor, DEFAULT_CALIBRATION_STEPS);
    }

    @Override
    public String toString() {
        return switch (mode) {
            case FP32 -> "fp32";
            case COMPRESSED -> codec.id() + " (drift factor " + driftFactor + ")";
            case AUTO -> "auto among fp32 and " + candidates.stream().map(c -> c.params().toString()).toList()
                    + ", calibrated on " + CodecChoice.Option.name(calibrationCodec()) + " (drift factor " + driftFactor + ")";
        };
    }
}
