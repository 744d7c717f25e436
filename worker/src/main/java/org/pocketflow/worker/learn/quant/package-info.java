/**
 * Weight quantization learners: {@link org.pocketflow.worker.learn.quant.UniformQuantLearner}
 * (per-channel uniform levels, straight-through quantization-aware training, packed integers)
 * and {@link org.pocketflow.worker.learn.quant.NonUniformQuantLearner} (per-layer k-means
 * codebooks with fine-tuned centroids, packed indices). Both take per-layer bits under an
 * average-bits budget weighted by parameter count.
 */
package org.pocketflow.worker.learn.quant;
