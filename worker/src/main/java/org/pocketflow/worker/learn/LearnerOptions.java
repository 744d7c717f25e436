package org.pocketflow.worker.learn;

import java.io.Serializable;

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
 */
public record LearnerOptions(boolean keepFirstConv, String channelSelector, int channelMultiple, int activationBits,
                             String allocation) implements Serializable {
    /** Options with the uniform allocation. */
    public LearnerOptions(boolean keepFirstConv, String channelSelector, int channelMultiple, int activationBits) {
        this(keepFirstConv, channelSelector, channelMultiple, activationBits, "uniform");
    }

    /** Whether a compression job times candidate allocations ({@code allocation = latency}). */
    public boolean latencyAllocation() {
        return "latency".equals(allocation);
    }
}
