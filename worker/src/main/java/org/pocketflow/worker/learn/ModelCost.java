package org.pocketflow.worker.learn;

import org.pocketflow.worker.model.ModelInfo;

/**
 * Size and compute of a network, as {@link ModelInfo} counts them: what a learner reports for
 * the network before and after compression.
 *
 * @param macs       multiply-accumulate operations for one input image
 * @param parameters parameters, including batch-norm statistics
 * @param bytes      fp32 bytes of the parameters
 */
public record ModelCost(long macs, long parameters, long bytes) {
    public ModelCost {
        if (macs < 0 || parameters < 0 || bytes < 0) {
            throw new IllegalArgumentException("costs must be >= 0, but got macs=" + macs + " parameters="
                    + parameters + " bytes=" + bytes);
        }
    }

    /** The cost of the network {@code info} describes. */
    public static ModelCost of(ModelInfo info) {
        return new ModelCost(info.totalMacs(), info.totalParameters(), info.totalBytes());
    }

    /** {@code macs / reference.macs}: the fraction of the reference's compute this network needs. */
    public double macFractionOf(ModelCost reference) {
        return reference.macs == 0 ? 1.0 : macs / (double) reference.macs;
    }

    /** {@code parameters / reference.parameters}. */
    public double parameterFractionOf(ModelCost reference) {
        return reference.parameters == 0 ? 1.0 : parameters / (double) reference.parameters;
    }
}
