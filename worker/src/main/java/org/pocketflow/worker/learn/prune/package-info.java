/**
 * Channel pruning that physically removes channels: {@link
 * org.pocketflow.worker.learn.prune.FlopsBudget} turns per-group preserve ratios into channel
 * counts that meet a multiply-add target (AMC-style bounded actions, He et al. 2018), a {@link
 * org.pocketflow.worker.learn.prune.ChannelSelector} picks which channels of each group to keep
 * ({@link org.pocketflow.worker.learn.prune.L1ChannelSelector}: filter L1 norm, Li et al. 2017),
 * and {@link org.pocketflow.worker.learn.prune.ChannelSurgery} builds a new, smaller DL4J
 * network with sliced parameters. {@link org.pocketflow.worker.learn.prune.ChannelPruning} runs
 * the three in one call.
 *
 * <p>Channels are cut per {@link org.pocketflow.worker.model.ChannelGroup} of {@link
 * org.pocketflow.worker.model.ModelInfo}, so residual additions and depthwise convolutions stay
 * consistent.
 */
package org.pocketflow.worker.learn.prune;
