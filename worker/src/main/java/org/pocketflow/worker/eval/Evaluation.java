package org.pocketflow.worker.eval;

/**
 * Quality of a model on a labelled set.
 *
 * @param accuracy top-1 accuracy in [0, 1]
 * @param loss     mean cross-entropy
 * @param samples  images evaluated
 */
public record Evaluation(double accuracy, double loss, long samples) {
}
