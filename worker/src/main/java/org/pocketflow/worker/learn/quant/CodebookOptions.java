package org.pocketflow.worker.learn.quant;

/**
 * How {@link NonUniformQuantLearner} builds and fine-tunes its codebooks; each choice can be
 * measured on its own ({@code LearnerFiguresBench}, docs/QUALITY.md).
 *
 * @param init   where k-means starts
 * @param update how fine-tuning moves the centroids
 * @param scale  whether channels share the codebook as it is or each scales it
 */
public record CodebookOptions(Init init, Update update, Scale scale) {
    /** The learner's behaviour before these options existed: quantile start, Lloyd steps, one codebook per layer. */
    public static final CodebookOptions PER_LAYER = new CodebookOptions(Init.QUANTILE, Update.LLOYD, Scale.LAYER);
    /**
     * The default: quantile start, Lloyd steps, per-channel codebooks where the bytes allow and
     * per-channel scales elsewhere — on LeNet over 3 seeds the most accurate of the measured
     * variants at 2 and 3 bits, in fewer tensor bytes than uniform levels (docs/QUALITY.md).
     */
    public static final CodebookOptions DEFAULT = new CodebookOptions(Init.QUANTILE, Update.LLOYD,
            Scale.CHANNEL_CODEBOOKS);

    public CodebookOptions {
        if (init == null || update == null || scale == null) {
            throw new IllegalArgumentException("codebook options need an init, an update and a scale");
        }
    }

    /** Initial centroids. */
    public enum Init {
        /** At the quantiles {@code (j + 0.5) / 2^b} of the weights: dense where the weights are. */
        QUANTILE,
        /**
         * Evenly spaced from the smallest to the largest weight, which keeps centroids for the few
         * large weights (Deep Compression's finding, Han, Mao and Dally 2016, section 3.1).
         */
        LINEAR
    }

    /** What fine-tuning does after each optimizer step. */
    public enum Update {
        /**
         * Shadow weights take the optimizer's change; one Lloyd iteration re-assigns them and moves
         * each centroid to its members' mean. Weights may change clusters.
         */
        LLOYD,
        /**
         * Shadow weights take the optimizer's change and are re-assigned to the nearest of centroids
         * that stay where k-means put them (in units of the channel scale, which follows the shadow
         * weights): quantization-aware training on a fixed non-uniform grid, as PocketFlow's
         * non-uniform learner does in its default mode (optimising weights, not clusters).
         */
        ASSIGN,
        /**
         * Assignments fixed at the start; each centroid moves by the summed change of its members,
         * divided by the sum of their squared scales (the least-squares step, so a centroid of
         * 100,000 weights is not moved 100,000 times as far as one weight). Per-channel scales move
         * the same way by their channel's changes (Deep Compression, section 3.3; PocketFlow's
         * non-uniform learner trains its clusters by back-propagation).
         */
        GRADIENT
    }

    /** What shares one codebook. */
    public enum Scale {
        /** One codebook per layer, no scales. */
        LAYER,
        /**
         * One codebook per layer over the weights divided by their output channel's root mean
         * square; each channel keeps its scale (stored as one float per channel).
         */
        CHANNEL,
        /**
         * A codebook per output channel where the bytes allow, otherwise {@link #CHANNEL}: tensors
         * get their own codebook per channel, cheapest first, while all the tensors together store
         * no more codebook and scale bytes than per-channel uniform levels would (two floats per
         * channel). Small layers, whose channels differ most, get per-channel codebooks; large
         * ones pay for them with the floats their shared codebook saves.
         */
        CHANNEL_CODEBOOKS
    }
}
