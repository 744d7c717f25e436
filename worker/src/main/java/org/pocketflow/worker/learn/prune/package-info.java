/**
 * Channel pruning that physically removes channels: {@link
 * org.pocketflow.worker.learn.prune.FlopsBudget} turns per-group preserve ratios into channel
 * counts that meet a multiply-add target (AMC-style bounded actions, He et al. 2018), optionally
 * rounded to a channel multiple for oneDNN's blocked formats; a {@link
 * org.pocketflow.worker.learn.prune.ChannelSelector} picks which channels of each group to keep
 * ({@link org.pocketflow.worker.learn.prune.L1ChannelSelector}: filter L1 norm, Li et al. 2017;
 * {@link org.pocketflow.worker.learn.prune.LassoChannelSelector}: LASSO regression of the
 * consumers' outputs on calibration images, He, Zhang and Sun 2017); {@link
 * org.pocketflow.worker.learn.prune.ChannelSurgery} builds a new, smaller DL4J network with sliced
 * parameters; and the selector's {@link org.pocketflow.worker.learn.prune.ConsumerReconstruction}
 * ({@link org.pocketflow.worker.learn.prune.LeastSquaresReconstruction} for LASSO, none for L1)
 * refits the consumer layers. {@link org.pocketflow.worker.learn.prune.ChannelPruning} runs the
 * steps in that order in one call.
 *
 * <p>Channels are cut per {@link org.pocketflow.worker.model.ChannelGroup} of {@link
 * org.pocketflow.worker.model.ModelInfo}, so residual additions and depthwise convolutions stay
 * consistent.
 */
package org.pocketflow.worker.learn.prune;
