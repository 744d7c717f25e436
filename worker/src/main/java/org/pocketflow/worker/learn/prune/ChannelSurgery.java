package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ChannelLayout;
import org.pocketflow.worker.model.ChannelRole;
import org.pocketflow.worker.model.LayerInfo;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Removes channels from a network for real: builds a new, smaller {@link ComputationGraph}
 * whose configuration has the reduced {@code nOut}/{@code nIn} and whose parameters are slices
 * of the original's, as in structured filter pruning (Li et al. 2017, "Pruning Filters for
 * Efficient ConvNets", section 3.1: removing a filter removes its feature map and the matching
 * input channel of every next-layer kernel).
 *
 * <p>Channels are removed per {@link ChannelGroup}: keeping channels {@code K} of a group keeps,
 * in every vertex whose {@link ChannelLayout} holds the group, the output channels that carry a
 * channel of {@code K}: output filters of a producer (convolution {@code W[out,in,kh,kw]} and bias,
 * dense {@code W[in,out]} and bias), channels of a channel-wise layer (batch-norm gamma, beta and
 * running statistics, depthwise {@code W[kh,kw,c,1]}); and the matching input channels of every
 * consumer, read from the layout of the vertex it reads, so that a consumer of a concatenation
 * keeps branch A's kept channels and then branch B's at their offsets. A dense layer reading a
 * flattened NCHW map keeps rows {@code c*H*W + h*W + w} for the kept {@code c}. Residual groups
 * (element-wise additions) are cut consistently because every operand's layout maps channel
 * {@code c} to the same group channel.
 *
 * <p>Stateless; the input graph is left unchanged. The result has a fresh updater state.
 */
public final class ChannelSurgery {
    private ChannelSurgery() {
    }

    /**
     * A new network without the channels {@code keep} leaves out.
     *
     * @param graph the network; not modified
     * @param info  {@code ModelInfo.of(graph, shape)}
     * @param keep  per channel group id, the strictly increasing indices of the channels to keep;
     *              groups not named stay whole; an empty list removes a {@link ModelInfo#removable}
     *              group's residual branch (the vertices {@link ModelInfo#branch} names)
     * @return the pruned network, initialised, with the kept parameters copied
     * @throws IllegalArgumentException naming the group and the fix when a keep list is empty, unsorted
     *         or out of range, or names an unknown or unprunable group (see {@link ChannelGroup#block()})
     */
    public static ComputationGraph prune(ComputationGraph graph, ModelInfo info, Map<Integer, int[]> keep) {
        Map<Integer, int[]> checked = validate(info, keep);
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        Set<String> gone = removeBranches(conf, info, checked);
        Map<String, LayerCut> cuts = plan(conf, info, checked, gone);
        cuts.forEach((name, cut) -> resize(conf, name, cut));

        ComputationGraph pruned = new ComputationGraph(conf);
        pruned.init();
        for (org.deeplearning4j.nn.api.Layer dst : pruned.getLayers()) {
            String name = dst.getConfig().getLayerName();
            org.deeplearning4j.nn.api.Layer src = graph.getLayer(name);
            LayerCut cut = cuts.get(name);
            Layer layerConf = dst.conf().getLayer();
            for (Map.Entry<String, INDArray> p : src.paramTable().entrySet()) {
                INDArray value = cut == null ? p.getValue()
                        : ParameterSlicer.slice(name, layerConf, p.getKey(), p.getValue(), cut);
                INDArray target = dst.getParam(p.getKey());
                if (!Arrays.equals(target.shape(), value.shape())) {
                    throw new IllegalStateException("parameter " + p.getKey() + " of " + name + " sliced to "
                            + Arrays.toString(value.shape()) + " but the pruned layer expects "
                            + Arrays.toString(target.shape()));
                }
                target.assign(value);
            }
        }
        return pruned;
    }

    /** Checks every keep list; returns a sorted copy of the map. */
    static Map<Integer, int[]> validate(ModelInfo info, Map<Integer, int[]> keep) {
        if (keep == null) {
            throw new IllegalArgumentException("keep map is null; pass an empty map to keep every channel");
        }
        List<ChannelGroup> groups = info.groups();
        Map<Integer, int[]> out = new TreeMap<>();
        for (Map.Entry<Integer, int[]> e : keep.entrySet()) {
            Integer id = e.getKey();
            if (id == null || id < 0 || id >= groups.size()) {
                throw new IllegalArgumentException("no channel group " + id + "; this network has groups 0 to "
                        + (groups.size() - 1) + ". Fix: take group ids from ModelInfo.of(graph, shape).groups()");
            }
            ChannelGroup g = groups.get(id);
            if (!g.prunable()) {
                throw new IllegalArgumentException("channel group " + id + " (" + g.name() + ") cannot be pruned: "
                        + g.block().describe() + ". Fix: remove group " + id + " from the keep map (only groups whose "
                        + "ChannelGroup.prunable() is true can be cut)");
            }
            if (e.getValue() != null && e.getValue().length == 0 && !info.removable(id)) {
                throw new IllegalArgumentException("keep list of channel group " + id + " (" + g.name() + ") is empty, "
                        + "but only a residual branch's own group can lose every channel (this one is not: "
                        + "ModelInfo.removable(" + id + ") is false). Fix: keep at least one channel, or leave the group "
                        + "out of the map to keep all of them");
            }
            out.put(id, checkKeepList(g, e.getValue()));
        }
        return out;
    }

    private static int[] checkKeepList(ChannelGroup g, int[] list) {
        String what = "keep list of channel group " + g.id() + " (producers " + g.producers() + ", "
                + g.channels() + " channels)";
        if (list == null) {
            throw new IllegalArgumentException(what + " is null; keep at least one channel, or leave the group "
                    + "out of the map to keep all of them");
        }
        for (int i = 0; i < list.length; i++) {
            if (list[i] < 0 || list[i] >= g.channels()) {
                throw new IllegalArgumentException(what + " holds " + list[i] + " at position " + i
                        + ", outside [0, " + g.channels() + "); use channel indices of that group");
            }
            if (i > 0 && list[i] <= list[i - 1]) {
                throw new IllegalArgumentException(what + " must be strictly increasing, but " + list[i]
                        + " at position " + i + " follows " + list[i - 1] + "; sort it and remove duplicates");
            }
        }
        return list.clone();
    }

    /**
     * Deletes the branches of the groups cut to zero channels from {@code conf}: their vertices, the
     * inputs they fed to additions, and additions left with one operand (whose consumers then read
     * that operand). Returns every vertex deleted.
     */
    private static Set<String> removeBranches(ComputationGraphConfiguration conf, ModelInfo info,
                                                        Map<Integer, int[]> keep) {
        Set<String> gone = new LinkedHashSet<>();
        keep.forEach((id, kept) -> {
            if (kept.length == 0) {
                gone.addAll(info.branch(id));
            }
        });
        if (gone.isEmpty()) {
            return gone;
        }
        Map<String, List<String>> inputsOf = conf.getVertexInputs();
        gone.forEach(v -> {
            conf.getVertices().remove(v);
            inputsOf.remove(v);
        });
        for (LayerInfo l : info.layers()) {
            List<String> in = inputsOf.get(l.name());
            if (in == null || in.stream().noneMatch(gone::contains)) {
                continue;
            }
            List<String> left = in.stream().filter(x -> !gone.contains(x)).toList();
            if (left.size() > 1) {
                inputsOf.put(l.name(), new ArrayList<>(left));
                continue;
            }
            if (left.isEmpty() || conf.getNetworkOutputs().contains(l.name())) {
                throw new IllegalArgumentException("the groups cut to zero channels " + keep.entrySet().stream()
                        .filter(e -> e.getValue().length == 0).map(Map.Entry::getKey).toList() + " together leave "
                        + l.name() + " with " + left.size() + " operand(s) and it " + (left.isEmpty() ? "would compute "
                        + "nothing" : "is a network output") + ". Fix: keep at least one channel in one of them");
            }
            // an addition of one operand: its consumers read the operand
            String operand = left.get(0);
            gone.add(l.name());
            conf.getVertices().remove(l.name());
            inputsOf.remove(l.name());
            inputsOf.replaceAll((v, ins) -> ins.stream().map(x -> x.equals(l.name()) ? operand : x)
                    .collect(Collectors.toCollection(ArrayList::new)));
        }
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        return gone;
    }

    /**
     * Per layer, what to cut: its output channels from its own {@link ChannelLayout}, a producer's
     * input channels from the layout of the vertex it reads (a concatenation's: each branch's kept
     * channels at that branch's offset).
     */
    private static Map<String, LayerCut> plan(ComputationGraphConfiguration conf, ModelInfo info,
                                              Map<Integer, int[]> keep, Set<String> gone) {
        Map<String, LayerCut> cuts = new LinkedHashMap<>();
        for (LayerInfo l : info.layers()) {
            if (gone.contains(l.name())) {
                continue;
            }
            GraphVertex v = conf.getVertices().get(l.name());
            if (v == null) {
                throw new IllegalArgumentException("the ModelInfo names vertex " + l.name() + " that the graph does "
                        + "not have; pass the ModelInfo of this very graph");
            }
            int[] out = info.layout(l.name()).kept(keep);
            int[] in = null;
            int spatial = 1;
            String read = info.consumedInput(l.name());
            if (l.role() == ChannelRole.PRODUCER && read != null) {
                in = info.layout(read).kept(keep);
                long[] shape = info.hasLayer(read) ? info.layer(read).outputShape() : new long[0];
                if (ParameterSlicer.isDense(((LayerVertex) v).getLayerConf().getLayer()) && shape.length == 3) {
                    spatial = Math.toIntExact(shape[1] * shape[2]);
                }
            }
            if (out == null && in == null) {
                continue;
            }
            if (l.role() != ChannelRole.PRODUCER && l.role() != ChannelRole.CHANNEL_WISE
                    && l.role() != ChannelRole.ELEMENTWISE && l.role() != ChannelRole.CONCAT) {
                throw new IllegalStateException("vertex " + l.name() + " (" + l.kind() + ", " + l.role() + ") holds a "
                        + "pruned group; ModelInfo should have left that group whole");
            }
            if (v instanceof LayerVertex) {
                cuts.put(l.name(), new LayerCut(out, in, spatial));
            }
        }
        return cuts;
    }

    private static void resize(ComputationGraphConfiguration conf, String name, LayerCut cut) {
        LayerVertex lv = (LayerVertex) conf.getVertices().get(name);
        Layer layer = lv.getLayerConf().getLayer();
        if (cut.out() != null && layer instanceof FeedForwardLayer ff) {
            if (layer instanceof BatchNormalization || layer instanceof DepthwiseConvolution2D) {
                ff.setNIn(cut.out().length);
            }
            ff.setNOut(cut.out().length);
        }
        if (cut.in() != null) {
            ((FeedForwardLayer) layer).setNIn((long) cut.in().length * cut.spatial());
            if (lv.getPreProcessor() instanceof CnnToFeedForwardPreProcessor flat) {
                flat.setNumChannels(cut.in().length);
            }
        }
    }
}
