package org.pocketflow.qsgd.codec;

import java.nio.ByteBuffer;
import org.pocketflow.qsgd.CodecParams;

/**
 * Parameters of {@link ThresholdCodec}. Header layout (5 bytes): uint8 selection, float32 value.
 *
 * @param selection how elements are chosen, and what value they carry
 * @param value the threshold τ for {@link Selection#FIXED_THRESHOLD} (finite, &gt; 0), or the
 *     density ρ for {@link Selection#TOP_DENSITY} (in (0, 1])
 */
public record ThresholdParams(Selection selection, float value) implements CodecParams {

    /** The selection rule. The ordinal is the wire value. */
    public enum Selection {
        /**
         * Strom (2015): every element with {@code |p| >= τ} is sent as {@code ±τ} (1 sign bit
         * plus its position), and {@code ±τ} is subtracted from the residual. The rule of ND4J's
         * {@code thresholdEncode}.
         */
        FIXED_THRESHOLD,
        /**
         * Deep Gradient Compression (Lin et al., ICLR 2018): about the fraction ρ of largest
         * {@code |p|} is sent with its exact fp32 value, and those residual entries are cleared;
         * the threshold is the (1 - ρ) quantile of a random sample of {@code |p|}, as in DGC's
         * sampled top-k.
         */
        TOP_DENSITY
    }

    public ThresholdParams {
        ParamChecks.notNull("threshold.selection", selection);
        if (selection == Selection.FIXED_THRESHOLD && !(value > 0 && Float.isFinite(value))) {
            throw new IllegalArgumentException("threshold.value (τ) must be finite and > 0, but got " + value);
        }
        if (selection == Selection.TOP_DENSITY) {
            ParamChecks.inRange("threshold.value (density ρ)", value, Float.MIN_VALUE, 1f);
        }
    }

    /** Strom's rule with threshold τ. */
    public static ThresholdParams fixedThreshold(float tau) {
        return new ThresholdParams(Selection.FIXED_THRESHOLD, tau);
    }

    /** DGC's rule with density ρ. */
    public static ThresholdParams topDensity(float density) {
        return new ThresholdParams(Selection.TOP_DENSITY, density);
    }

    /** DGC at 0.1% density (its 99.9% sparsity setting). */
    public static ThresholdParams defaults() {
        return topDensity(0.001f);
    }

    @Override
    public int wireSize() {
        return 5;
    }

    @Override
    public void writeTo(ByteBuffer out) {
        out.put((byte) selection.ordinal()).putFloat(value);
    }

    public static ThresholdParams readFrom(ByteBuffer in) {
        int s = in.get() & 0xFF;
        if (s >= Selection.values().length) {
            throw new IllegalArgumentException("threshold selection id must be 0 or 1, but got " + s);
        }
        return new ThresholdParams(Selection.values()[s], in.getFloat());
    }
}
