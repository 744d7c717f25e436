package org.pocketflow.worker.task;

import java.io.Serializable;

import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.FineTuneSpec;

/**
 * What to do with the base model once it exists: compress it with one learner at its uniform
 * per-layer settings under the budget, then fine-tune.
 *
 * @param algorithm     a {@code LearnerCatalog} name
 * @param budget        the target
 * @param keepFirstConv  channel pruning keeps the first convolution whole
 * @param activationBits uniform quantization of ReLU outputs (0 = off)
 * @param fineTune       fine-tuning (and distillation) of the compressed model
 */
public record CompressionRequest(String algorithm, Budget budget, boolean keepFirstConv, int activationBits,
                                 FineTuneSpec fineTune)
        implements Serializable {
}
