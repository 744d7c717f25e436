/**
 * Compression learners: code that turns a trained network into a smaller or faster one.
 * Each technique lives in its own sub-package ({@code prune}: channel pruning that physically
 * removes channels); this package holds the types they share, such as {@link
 * org.pocketflow.worker.learn.ModelCost}, the before/after figures every learner reports.
 *
 * <p>Planned (issue 5): the {@code Learner} extension point wrapping each technique for the
 * search, LASSO and discrimination-aware channel selection, weight sparsity, quantization,
 * distillation and chains of learners.
 */
package org.pocketflow.worker.learn;
