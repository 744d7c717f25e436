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
 */
public record LearnerOptions(boolean keepFirstConv, String channelSelector, int channelMultiple, int activationBits)
        implements Serializable {
}
