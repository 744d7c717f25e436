package org.pocketflow.worker.task;

import java.io.Serializable;

import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.LearnerOptions;

/**
 * What to do with the base model once it exists: compress it with one learner at its uniform
 * per-layer settings under the budget, then fine-tune.
 *
 * @param algorithm     a {@code LearnerCatalog} name
 * @param budget        the target
 * @param options       the learners' options (selector, channel multiple, activation bits)
 * @param fineTune      fine-tuning (and distillation) of the compressed model
 */
public record CompressionRequest(String algorithm, Budget budget, LearnerOptions options, FineTuneSpec fineTune)
        implements Serializable {
}
