/**
 * Weight sparsification: {@link org.pocketflow.worker.learn.sparse.WeightSparsityLearner} prunes
 * individual weights by magnitude on Zhu and Gupta's gradual schedule during fine-tuning, with
 * masked updates, and stores each weight tensor sparse (bitmap plus values).
 */
package org.pocketflow.worker.learn.sparse;
