package org.pocketflow.worker.learn.prune;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.LayerInfo;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Removes channels from a network for real: builds a new, smaller {@link ComputationGraph}
 * whose configuration has the reduced {@code nOut}/{@code nIn} and whose parameters are slices
 * of the original's, as in structured filter pruning (Li et al. 2017, "Pruning Filters for
 * Efficient ConvNets", section 3.1: removing a filter removes its feature map and the matching
 * input channel of every next-layer kernel).
 *
 * <p>Channels are removed per {@link ChannelGroup}: keeping channels {@code K} of a group keeps
 * output channels {@code K} of every producer (convolution {@code W[out,in,kh,kw]} and bias,
 * dense {@code W[in,out]} and bias), channels {@code K} of every follower (batch-norm gamma,
 * beta and running statistics, depthwise {@code W[kh,kw,c,1]}), and input channels {@code K} of
 * every consumer; a dense layer reading a flattened NCHW map keeps rows {@code c*H*W + h*W + w}
 * for {@code c} in {@code K}. Residual groups (element-wise additions) are cut consistently
 * because all their producers are cut alike.
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
     *              groups not named stay whole
     * @return the pruned network, initialised, with the kept parameters copied
     * @throws IllegalArgumentException naming the group and the fix when a keep list is empty, unsorted
     *         or out of range, names an unknown or unprunable group, or when a group holds a layer kind
     *         this surgery cannot cut
     */
    public static ComputationGraph prune(ComputationGraph graph, ModelInfo info, Map<Integer, int[]> keep) {
        Map<Integer, int[]> checked = validate(info, keep);
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        Map<String, LayerCut> cuts = plan(conf, info, checked);
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
                throw new IllegalArgumentException("channel group " + id + " (producers " + g.producers()
                        + ") cannot be pruned: its " + g.channels() + " channels are fixed by the task (network output)"
                        + ". Fix: remove group " + id + " from the keep map");
            }
            out.put(id, checkKeepList(g, e.getValue()));
        }
        return out;
    }

    private static int[] checkKeepList(ChannelGroup g, int[] list) {
        String what = "keep list of channel group " + g.id() + " (producers " + g.producers() + ", "
                + g.channels() + " channels)";
        if (list == null || list.length == 0) {
            throw new IllegalArgumentException(what + " is empty; keep at least one channel, or leave the group "
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

    /** Per layer, what to cut; checks every affected layer is of a kind this surgery handles. */
    private static Map<String, LayerCut> plan(ComputationGraphConfiguration conf, ModelInfo info,
                                              Map<Integer, int[]> keep) {
        Map<String, LayerCut> cuts = new LinkedHashMap<>();
        for (Map.Entry<Integer, int[]> e : keep.entrySet()) {
            ChannelGroup g = info.groups().get(e.getKey());
            int[] k = e.getValue();
            for (String p : g.producers()) {
                Layer layer = layerOf(conf, p, g);
                if (layer == null || !ParameterSlicer.isProducer(layer)) {
                    throw unsupported(g, p, conf, "ConvolutionLayer, DenseLayer or OutputLayer as producer");
                }
                cuts.merge(p, new LayerCut(k, null, 1), (a, b) -> a.withOut(k));
            }
            for (String f : g.followers()) {
                checkFollower(conf, g, f);
                cuts.merge(f, new LayerCut(k, null, 1), (a, b) -> a.withOut(k));
            }
            for (String c : g.consumers()) {
                int spatial = checkConsumer(conf, info, g, c);
                cuts.merge(c, new LayerCut(null, k, spatial), (a, b) -> a.withIn(k, spatial));
            }
        }
        return cuts;
    }

    private static void checkFollower(ComputationGraphConfiguration conf, ChannelGroup g, String name) {
        GraphVertex v = conf.getVertices().get(name);
        if (v instanceof ElementWiseVertex) {
            return;
        }
        Layer layer = layerOf(conf, name, g);
        boolean ok = layer instanceof BatchNormalization || layer instanceof ActivationLayer
                || layer instanceof SubsamplingLayer || layer instanceof GlobalPoolingLayer
                || layer instanceof DropoutLayer || layer instanceof ZeroPaddingLayer
                || layer instanceof DepthwiseConvolution2D;
        if (!ok) {
            throw unsupported(g, name, conf, "batch norm, activation, pooling, dropout, zero padding, depthwise "
                    + "convolution or element-wise vertex as follower");
        }
        if (layer instanceof DepthwiseConvolution2D dw && dw.getDepthMultiplier() != 1) {
            throw new IllegalArgumentException("channel group " + g.id() + " holds depthwise convolution " + name
                    + " with depth multiplier " + dw.getDepthMultiplier() + "; only multiplier 1 can be pruned. "
                    + "Fix: leave group " + g.id() + " out of the keep map");
        }
    }

    /** Returns the positions per input channel the consumer reads (H*W for a flattened map, else 1). */
    private static int checkConsumer(ComputationGraphConfiguration conf, ModelInfo info, ChannelGroup g, String name) {
        Layer layer = layerOf(conf, name, g);
        if (layer == null || !ParameterSlicer.isProducer(layer)) {
            throw unsupported(g, name, conf, "ConvolutionLayer, DenseLayer or OutputLayer as consumer");
        }
        List<String> inputs = conf.getVertexInputs().get(name);
        if (inputs.size() != 1) {
            throw unsupported(g, name, conf, "single-input consumers");
        }
        InputPreProcessor pre = ((LayerVertex) conf.getVertices().get(name)).getPreProcessor();
        LayerInfo input = info.layer(inputs.get(0));
        long[] shape = input.outputShape();
        if (!ParameterSlicer.isDense(layer) || shape.length == 1) {
            if (pre != null) {
                throw unsupported(g, name, conf, "consumers without input preprocessor (found "
                        + pre.getClass().getSimpleName() + ")");
            }
            return 1;
        }
        if (!(pre instanceof CnnToFeedForwardPreProcessor flat) || flat.getFormat() != CNN2DFormat.NCHW) {
            throw unsupported(g, name, conf, "dense layers reading an NCHW map through CnnToFeedForwardPreProcessor");
        }
        return Math.toIntExact(shape[1] * shape[2]);
    }

    private static void resize(ComputationGraphConfiguration conf, String name, LayerCut cut) {
        GraphVertex v = conf.getVertices().get(name);
        if (!(v instanceof LayerVertex lv)) {
            return;
        }
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

    private static Layer layerOf(ComputationGraphConfiguration conf, String name, ChannelGroup g) {
        GraphVertex v = conf.getVertices().get(name);
        if (v == null) {
            throw new IllegalArgumentException("channel group " + g.id() + " names layer " + name
                    + " that the graph does not have; pass the ModelInfo of this very graph");
        }
        return v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
    }

    private static IllegalArgumentException unsupported(ChannelGroup g, String name, ComputationGraphConfiguration conf,
                                                        String supported) {
        GraphVertex v = conf.getVertices().get(name);
        String kind = v instanceof LayerVertex lv ? lv.getLayerConf().getLayer().getClass().getSimpleName()
                : v.getClass().getSimpleName();
        return new IllegalArgumentException("channel group " + g.id() + " cannot be pruned: layer " + name + " is a "
                + kind + ", but channel surgery supports " + supported + ". Fix: leave group " + g.id()
                + " out of the keep map");
    }
}
