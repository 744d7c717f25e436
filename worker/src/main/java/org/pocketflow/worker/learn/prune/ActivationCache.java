package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/**
 * The consumers' sampled inputs ({@link ConsumerSamples}) of the last graph a selector saw on its
 * calibration images, so that the per-group calls on one network share forward passes. Samples,
 * not activations, are kept: at 224x224 a ResNet-18's consumer inputs take about 7 MB per image,
 * their samples under 3 MB. When the samples of every prunable group together would exceed {@value
 * #MAX_BYTES} bytes, only the asked group's consumers are sampled (one chunked pass per group), so
 * memory stays bounded whatever the number of images. A hit needs the same graph object with
 * parameters equal to those seen, so a network trained in between is never served stale values.
 */
final class ActivationCache {
    /** Bound on the samples kept for every group at once. */
    static final long MAX_BYTES = 1L << 30;

    private final long maxBytes;
    private ComputationGraph graph;
    private INDArray params;
    private Map<String, ConsumerSamples> samples;

    /** A cache with the {@value #MAX_BYTES}-byte bound. */
    ActivationCache() {
        this(MAX_BYTES);
    }

    /** A cache that samples every prunable group at once while that takes at most {@code maxBytes}. */
    ActivationCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The samples of at least the consumers of {@code group}, from the cache or new passes. */
    synchronized Map<String, ConsumerSamples> of(ComputationGraph g, ModelInfo info, ChannelGroup group,
                                                 INDArray calibration, int perImage, long seed) {
        boolean hit = g == graph && samples != null && samples.keySet().containsAll(group.consumers())
                && g.params().equals(params);
        if (!hit) {
            samples = null;
            List<String> all = new ArrayList<>();
            long bytes = 0;
            for (ChannelGroup other : info.groups()) {
                if (other.prunable()) {
                    for (String consumer : other.consumers()) {
                        // a consumer of a concatenation reads several groups: its samples are kept once
                        if (!all.contains(consumer)) {
                            all.add(consumer);
                            bytes += ConsumerSamples.bytes(g, info, consumer, calibration.size(0), perImage);
                        }
                    }
                }
            }
            List<String> wanted = bytes <= maxBytes ? all : group.consumers();
            samples = ConsumerSamples.collect(g, info, wanted, calibration, perImage, seed);
            graph = g;
            params = g.params().dup();
        }
        return samples;
    }
}
