package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/**
 * What a selector keeps of the consumers' inputs on its calibration images ({@link
 * ConsumerSamples} for LASSO, {@link ConsumerMoments} for DCP) for the last graph it saw, so that
 * the per-group calls on one network share forward passes. Activations themselves are never kept:
 * at 224x224 a ResNet-18's consumer inputs take about 7 MB per image. When what every prunable
 * group needs together would exceed the bound, only the asked group's consumers are gathered (one
 * chunked pass per group), so memory stays bounded whatever the number of images. A hit needs the
 * same graph object with parameters equal to those seen, so a network trained in between is never
 * served stale values.
 *
 * @param <T> what is kept per consumer
 */
final class ActivationCache<T> {
    /** Bound on the samples kept for every group at once. */
    static final long MAX_BYTES = 1L << 30;

    /** Gathers {@code T} for consumers over chunked passes, as {@link ConsumerSamples#collect}. */
    @FunctionalInterface
    interface Gatherer<T> {
        Map<String, T> gather(ComputationGraph graph, ModelInfo info, List<String> consumers, INDArray images,
                              int perImage, long seed);
    }

    /** Bytes {@code T} takes for one consumer, as {@link ConsumerSamples#bytes}. */
    @FunctionalInterface
    interface Size {
        long bytes(ComputationGraph graph, ModelInfo info, String consumer, long images, int perImage);
    }

    private final Gatherer<T> gatherer;
    private final Size size;
    private final long maxBytes;
    private ComputationGraph graph;
    private INDArray params;
    private Map<String, T> kept;
    /** Ids of the groups {@link #release}d since the last gathering. */
    private final Set<Integer> released = new HashSet<>();

    /** A cache of what {@code gatherer} gives, for every prunable group at once while that takes at most {@code maxBytes}. */
    ActivationCache(Gatherer<T> gatherer, Size size, long maxBytes) {
        this.gatherer = gatherer;
        this.size = size;
        this.maxBytes = maxBytes;
    }

    /** A cache of samples with the {@value #MAX_BYTES}-byte bound. */
    static ActivationCache<ConsumerSamples> ofSamples() {
        return new ActivationCache<>(ConsumerSamples::collect, ConsumerSamples::bytes, MAX_BYTES);
    }

    /** What is kept of at least the consumers of {@code group}, from the cache or new passes. */
    synchronized Map<String, T> of(ComputationGraph g, ModelInfo info, ChannelGroup group, INDArray calibration,
                                   int perImage, long seed) {
        boolean hit = g == graph && kept != null && kept.keySet().containsAll(group.consumers())
                && g.params().equals(params);
        if (!hit) {
            kept = null;
            List<String> all = new ArrayList<>();
            long bytes = 0;
            for (ChannelGroup other : info.groups()) {
                if (other.prunable()) {
                    for (String consumer : other.consumers()) {
                        // a consumer of a concatenation reads several groups: its samples are kept once
                        if (!all.contains(consumer)) {
                            all.add(consumer);
                            bytes += size.bytes(g, info, consumer, calibration.size(0), perImage);
                        }
                    }
                }
            }
            List<String> wanted = bytes <= maxBytes ? all : group.consumers();
            kept = new LinkedHashMap<>(gatherer.gather(g, info, wanted, calibration, perImage, seed));
            released.clear();
            graph = g;
            params = g.params().dup();
        }
        return new LinkedHashMap<>(kept);
    }

    /**
     * Says that {@code group} of {@code g} will not be asked for again: what is kept for its
     * consumers is dropped once every prunable group reading them has been released, so that a
     * network's calibration statistics do not outlive its selection (DCP's take 1 GB for ResNet-18
     * at 224x224, which the reconstruction after it would otherwise hold on to). Asking for a
     * released group again is correct but gathers anew.
     *
     * @return the values dropped, for the caller to free if no other thread reads them
     */
    synchronized List<T> release(ComputationGraph g, ModelInfo info, ChannelGroup group) {
        List<T> dropped = new ArrayList<>();
        if (g != graph || kept == null) {
            return dropped;
        }
        released.add(group.id());
        for (String consumer : group.consumers()) {
            boolean read = info.groups().stream().anyMatch(other -> other.prunable()
                    && !released.contains(other.id()) && other.consumers().contains(consumer));
            if (!read && kept.containsKey(consumer)) {
                dropped.add(kept.remove(consumer));
            }
        }
        return dropped;
    }
}
