/**
 * Knowledge distillation as an option of every learner's fine-tuning: the full-precision base
 * model teaches the compressed student through {@link org.pocketflow.worker.learn.distill.DistillationLoss},
 * fed by {@link org.pocketflow.worker.learn.distill.DistilledEpochs}.
 */
package org.pocketflow.worker.learn.distill;
