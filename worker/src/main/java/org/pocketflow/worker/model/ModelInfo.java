package org.pocketflow.worker.model;

import org.pocketflow.worker.data.ImageShape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Per-layer description of a network that the compression learners and the cost model rely on:
 * output shapes, parameters, multiply-adds, bytes, each vertex's {@link ChannelRole}, and the
 * channel dependency groups with every vertex's {@link ChannelLayout}.
 *
 * <p>Built once per model by {@link #of(ComputationGraph, ImageShape)}; immutable afterwards.
 * Channel groups come from a union-find over single channels (see {@code ChannelTracer}): a
 * convolution or dense layer creates new channels; batch norm, activations, pooling and depthwise
 * convolutions carry their input's channels; a concatenation ({@code MergeVertex}) carries its
 * inputs' channels one after another; an element-wise vertex (residual addition) ties channel
 * {@code c} of all its inputs together. A vertex channels cannot be traced through (reshape,
 * subset, space-to-depth, unknown or custom layers, preprocessors other than the flattening
 * before a dense layer) leaves the groups it touches whole, with the reason in {@link
 * ChannelGroup#block()}.
 */
public final class ModelInfo {
    private final List<LayerInfo> layers;
    private final Map<String, LayerInfo> byName;
    private final List<ChannelGroup> groups;
    private final Map<String, ChannelGroup> groupByName;
    private final Map<String, ChannelLayout> layouts;
    private final Map<String, String> consumed;
    private final Map<Integer, List<String>> branches;

    private ModelInfo(List<LayerInfo> layers, ChannelTracer.Result channels, ComputationGraphConfiguration conf,
                      List<String> order) {
        this.layers = List.copyOf(layers);
        Map<String, LayerInfo> names = new LinkedHashMap<>();
        layers.forEach(l -> names.put(l.name(), l));
        this.byName = Map.copyOf(names);
        this.groups = List.copyOf(channels.groups());
        Map<String, ChannelGroup> gn = new LinkedHashMap<>();
        groups.forEach(g -> gn.put(g.name(), g));
        this.groupByName = Map.copyOf(gn);
        this.layouts = Map.copyOf(channels.layouts());
        this.consumed = channels.consumed();
        this.branches = Map.copyOf(ResidualBranches.of(conf, order, groups, layouts, consumed));
    }

    /** Describes {@code graph} for input images of {@code shape}. */
    public static ModelInfo of(ComputationGraph graph, ImageShape shape) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        Map<String, InputType> types = conf.getLayerActivationTypes(ModelFactory.inputType(shape));
        Map<String, List<String>> inputsOf = conf.getVertexInputs();
        List<String> order = topologicalNames(graph);

        List<LayerInfo> layers = new ArrayList<>();
        ChannelTracer tracer = new ChannelTracer();
        for (String name : order) {
            if (conf.getNetworkInputs().contains(name)) {
                tracer.input(name, shape.channels());
                continue;
            }
            GraphVertex vertex = conf.getVertices().get(name);
            List<String> in = inputsOf.getOrDefault(name, List.of());
            long[] outShape = shapeOf(types.get(name));
            Layer layer = vertex instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
            long params = layer == null ? 0 : graph.getLayer(name).numParams();
            long macs = layer == null ? 0 : macs(layer, outShape);
            String kind = layer == null ? vertex.getClass().getSimpleName() : layer.getClass().getSimpleName();
            ChannelRole role = ChannelRole.of(vertex);
            GroupBlock inputCut = role == ChannelRole.PRODUCER ? inputCut(name, (LayerVertex) vertex, in, types)
                    : null;
            tracer.visit(name, kind, role, in, outShape.length == 0 ? 0 : Math.toIntExact(Math.max(0, outShape[0])),
                    conf.getNetworkOutputs().contains(name), inputCut);
            layers.add(new LayerInfo(name, kind, tracer.role(name), in, outShape, params, macs,
                    params * Float.BYTES));
        }
        return new ModelInfo(layers, tracer.build(order), conf, order);
    }

    /** Why a producer's input channels cannot be cut, or null: only no preprocessor or an NCHW flattening is followed. */
    private static GroupBlock inputCut(String name, LayerVertex vertex, List<String> in, Map<String, InputType> types) {
        InputPreProcessor pre = vertex.getPreProcessor();
        if (pre == null) {
            return null;
        }
        boolean flat = pre instanceof CnnToFeedForwardPreProcessor f && f.getFormat() == CNN2DFormat.NCHW
                && in.size() == 1 && types.get(in.get(0)) instanceof InputType.InputTypeConvolutional;
        return flat ? null : new GroupBlock(GroupBlock.Cause.PREPROCESSOR, name, pre.getClass().getSimpleName());
    }

    /** Layers in topological order (network inputs excluded). */
    public List<LayerInfo> layers() {
        return layers;
    }

    /** The channel dependency groups, in order of their first producer. */
    public List<ChannelGroup> groups() {
        return groups;
    }

    /** The layer of that name. */
    public LayerInfo layer(String name) {
        LayerInfo l = byName.get(name);
        if (l == null) {
            throw new IllegalArgumentException("no layer named " + name);
        }
        return l;
    }

    /** Whether the network has a (non-input) vertex of that name. */
    public boolean hasLayer(String name) {
        return byName.containsKey(name);
    }

    /**
     * The channel group whose channels {@code layerName} outputs.
     *
     * @throws IllegalArgumentException when its output holds several groups (a concatenation); use {@link #groupsOf}
     */
    public ChannelGroup groupOf(String layerName) {
        List<ChannelGroup> all = groupsOf(layerName);
        if (all.size() != 1) {
            throw new IllegalArgumentException(layerName + " outputs the channels of " + all.size() + " groups "
                    + all.stream().map(ChannelGroup::name).toList() + "; use groupsOf");
        }
        return all.get(0);
    }

    /** The channel groups {@code vertexName}'s output holds, in order of their first channel. */
    public List<ChannelGroup> groupsOf(String vertexName) {
        return layout(vertexName).positionCounts().keySet().stream().map(groups::get).toList();
    }

    /**
     * The groups of producers that the network's structure (not the task) leaves whole: a vertex or
     * layer channel surgery cannot follow touches them.
     */
    public List<ChannelGroup> groupsLeftWhole() {
        return groups.stream().filter(g -> !g.prunable() && g.block().unsupported() && !g.producers().isEmpty())
                .toList();
    }

    /** The group of that {@link ChannelGroup#name() name}. */
    public ChannelGroup group(String name) {
        ChannelGroup g = groupByName.get(name);
        if (g == null) {
            throw new IllegalArgumentException("no channel group named " + name + "; the groups are "
                    + groupByName.keySet());
        }
        return g;
    }

    /** Where the output channels of vertex {@code name} (network inputs included) come from. */
    public ChannelLayout layout(String name) {
        ChannelLayout l = layouts.get(name);
        if (l == null) {
            throw new IllegalArgumentException(name + " belongs to no channel group");
        }
        return l;
    }

    /**
     * The vertex whose channels producer {@code consumer} reads and may have cut, or null when its
     * input cannot be cut (a preprocessor channel surgery does not follow).
     */
    public String consumedInput(String consumer) {
        return consumed.get(consumer);
    }

    /**
     * Whether every channel of group {@code id} can be cut: the group is a residual branch's own
     * (see {@code ResidualBranches}), and cutting it removes the branch.
     */
    public boolean removable(int id) {
        return branches.containsKey(id);
    }

    /**
     * The vertices that cutting every channel of group {@code id} removes, in topological order.
     *
     * @throws IllegalArgumentException when the group is not {@link #removable}
     */
    public List<String> branch(int id) {
        List<String> b = branches.get(id);
        if (b == null) {
            throw new IllegalArgumentException("channel group " + id + " cannot be cut to zero channels: it is not "
                    + "a residual branch of its own; the removable groups are " + branches.keySet());
        }
        return b;
    }

    /** Total multiply-adds for one image. */
    public long totalMacs() {
        return layers.stream().mapToLong(LayerInfo::macs).sum();
    }

    /** Total parameters. */
    public long totalParameters() {
        return layers.stream().mapToLong(LayerInfo::parameters).sum();
    }

    /** Total fp32 parameter bytes. */
    public long totalBytes() {
        return layers.stream().mapToLong(LayerInfo::bytes).sum();
    }

    /** Bytes of the DL4J model zip of {@code graph} without updater state. */
    public static long serializedBytes(ComputationGraph graph) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ModelSerializer.writeModel(graph, out, false);
            return out.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long macs(Layer layer, long[] out) {
        if (layer instanceof DepthwiseConvolution2D dw) {
            int[] k = dw.getKernelSize();
            return out[0] * out[1] * out[2] * k[0] * k[1];
        }
        if (layer instanceof SeparableConvolution2D sep) {
            int[] k = sep.getKernelSize();
            long cin = sep.getNIn();
            long mult = sep.getDepthMultiplier();
            return out[1] * out[2] * (cin * mult * k[0] * k[1] + cin * mult * out[0]);
        }
        if (layer instanceof ConvolutionLayer conv) {
            int[] k = conv.getKernelSize();
            return out[0] * out[1] * out[2] * k[0] * k[1] * conv.getNIn();
        }
        if (layer instanceof FeedForwardLayer ff && !(layer instanceof BatchNormalization)
                && !(layer instanceof DropoutLayer)) {
            return ff.getNIn() * ff.getNOut();
        }
        return 0;
    }

    private static long[] shapeOf(InputType t) {
        if (t instanceof InputType.InputTypeConvolutional c) {
            return new long[]{c.getChannels(), c.getHeight(), c.getWidth()};
        }
        if (t instanceof InputType.InputTypeFeedForward f) {
            return new long[]{f.getSize()};
        }
        return t == null ? new long[0] : t.getShape(false);
    }

    private static List<String> topologicalNames(ComputationGraph graph) {
        int[] order = graph.topologicalSortOrder();
        List<String> names = new ArrayList<>(order.length);
        for (int idx : order) {
            names.add(graph.getVertices()[idx].getVertexName());
        }
        return names;
    }
}
