package org.pocketflow.worker.learn;

import java.io.Serializable;

import org.pocketflow.conf.LearnKeys;

/**
 * The learners' options that are not per-layer settings (those come from the search or the
 * uniform rule), as the job configuration gives them ({@code pocketflow.learn.*}).
 *
 * @param keepFirstConv   channel pruning keeps the first convolution's group whole
 * @param channelSelector channel selection criterion: {@code l1}, {@code lasso} or {@code dcp}
 * @param channelMultiple kept channel counts are multiples of this (1 = any)
 * @param activationBits  uniform quantization of ReLU outputs (0 = fp32 activations)
 * @param allocation      a compression job's per-layer settings: {@code uniform} or {@code latency}
 *                        ({@link Learner#fastest})
 * @param calibrationImages images calibrating LASSO, reconstruction and activation ranges, at least 1
 * @param dcpImages       labelled images calibrating DCP selection, at least 1
 * @param batchNormImages images on which channel pruning re-estimates the batch norms after the cut
 *                        ({@link BatchNormReestimation}), 0 = keep the base network's statistics
 */
public record LearnerOptions(boolean keepFirstConv, String channelSelector, int channelMultiple, int activationBits,
                             String allocation, int calibrationImages, int dcpImages, int batchNormImages)
        implements Serializable {
    public LearnerOptions {
        if (calibrationImages < 1 || dcpImages < 1) {
            throw new IllegalArgumentException("calibration image counts must be >= 1, but got " + calibrationImages
                    + " and " + dcpImages + " (DCP)");
        }
        if (batchNormImages < 0) {
            throw new IllegalArgumentException("batch-norm images must be >= 0 (0 = off), but got " + batchNormImages);
        }
    }

    /** Options with the default batch-norm re-estimation ({@code pocketflow.learn.batch-norm-images}). */
    public LearnerOptions(boolean keepFirstConv, String channelSelector, int channelMultiple, int activationBits,
                          String allocation, int calibrationImages, int dcpImages) {
        this(keepFirstConv, channelSelector, channelMultiple, activationBits, allocation, calibrationImages, dcpImages,
                LearnKeys.BATCH_NORM_IMAGES.defaultValue());
    }

    /** Options with the default calibration set sizes ({@code pocketflow.learn.calibration-images}, {@code dcp-images}). */
    public LearnerOptions(boolean keepFirstConv, String channelSelector, int channelMultiple, int activationBits,
                          String allocation) {
        this(keepFirstConv, channelSelector, channelMultiple, activationBits, allocation,
                LearnKeys.CALIBRATION_IMAGES.defaultValue(), LearnKeys.DCP_IMAGES.defaultValue());
    }

    /** Options with the uniform allocation and the default calibration set sizes. */
    public LearnerOptions(boolean keepFirstConv, String channelSelector, int channelMultiple, int activationBits) {
        this(keepFirstConv, channelSelector, channelMultiple, activationBits, "uniform");
    }

    /** Whether a compression job times candidate allocations ({@code allocation = latency}). */
    public boolean latencyAllocation() {
        return "latency".equals(allocation);
    }
}
