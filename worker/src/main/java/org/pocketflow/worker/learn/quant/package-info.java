/**
 * Weight quantization learners: {@link org.pocketflow.worker.learn.quant.UniformQuantLearner}
 * (per-channel uniform levels, straight-through quantization-aware training, packed integers)
 * and {@link org.pocketflow.worker.learn.quant.NonUniformQuantLearner} (k-means codebooks per
 * layer, per layer with channel scales, or per channel where the bytes allow, fine-tuned by Lloyd,
 * fixed-centroid or gradient steps ({@link org.pocketflow.worker.learn.quant.CodebookOptions}),
 * packed indices). Both take per-layer bits under an
 * average-bits budget weighted by parameter count.
 */
package org.pocketflow.worker.learn.quant;
