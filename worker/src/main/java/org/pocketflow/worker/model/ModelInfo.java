package org.pocketflow.worker.model;

import org.pocketflow.worker.data.ImageShape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
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
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Per-layer description of a network that the compression learners and the cost model rely on:
 * output shapes, parameters, multiply-adds, bytes, and the channel dependency groups.
 *
 * <p>Built once per model by {@link #of(ComputationGraph, ImageShape)}; immutable afterwards.
 * Channel groups come from a union-find over the graph: a convolution or dense layer starts new
 * channels; batch norm, activations, pooling and depthwise convolutions pass their input's
 * channels through (so a depthwise conv joins its producer's group); an element-wise addition
 * merges the groups of all its inputs (residual connections).
 */
public final class ModelInfo {
    private final List<LayerInfo> layers;
    private final List<ChannelGroup> groups;
    private final Map<String, Integer> groupOf;

    private ModelInfo(List<LayerInfo> layers, List<ChannelGroup> groups, Map<String, Integer> groupOf) {
        this.layers = List.copyOf(layers);
        this.groups = List.copyOf(groups);
        this.groupOf = Map.copyOf(groupOf);
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
                continue;
            }
            GraphVertex vertex = conf.getVertices().get(name);
            List<String> in = inputsOf.getOrDefault(name, List.of());
            long[] outShape = shapeOf(types.get(name));
            Layer layer = vertex instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
            long params = layer == null ? 0 : graph.getLayer(name).numParams();
            long macs = layer == null ? 0 : macs(layer, outShape);
            String kind = layer == null ? vertex.getClass().getSimpleName() : layer.getClass().getSimpleName();
            layers.add(new LayerInfo(name, kind, in, outShape, params, macs, params * Float.BYTES));
            tracer.visit(name, layer, in, outShape.length == 0 ? 0 : outShape[0],
                    conf.getNetworkInputs(), conf.getNetworkOutputs().contains(name));
        }
        return tracer.build(layers);
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
        return layers.stream().filter(l -> l.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no layer named " + name));
    }

    /** The channel group whose channels {@code layerName} outputs. */
    public ChannelGroup groupOf(String layerName) {
        Integer id = groupOf.get(layerName);
        if (id == null) {
            throw new IllegalArgumentException(layerName + " belongs to no channel group");
        }
        return groups.get(id);
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
        if (startsChannels(layer)) {
            FeedForwardLayer ff = (FeedForwardLayer) layer;
            return ff.getNIn() * ff.getNOut();
        }
        return 0;
    }

    /** Convolutions and dense layers create new channels; everything else passes them through. */
    static boolean startsChannels(Layer layer) {
        return layer instanceof FeedForwardLayer
                && !(layer instanceof DepthwiseConvolution2D)
                && !(layer instanceof BatchNormalization)
                && !(layer instanceof DropoutLayer);
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

    /** Union-find over vertices; see the class comment for the rules. */
    private static final class ChannelTracer {
        private final Map<String, String> parent = new LinkedHashMap<>();
        private final Map<String, String> role = new LinkedHashMap<>();
        private final Map<String, Long> channels = new LinkedHashMap<>();
        private final Map<String, List<String>> consumersOf = new LinkedHashMap<>();
        private final Map<String, Boolean> fixed = new LinkedHashMap<>();

        void visit(String name, Layer layer, List<String> in, long outChannels, List<String> networkInputs,
                   boolean isOutput) {
            parent.put(name, name);
            channels.put(name, outChannels);
            if (startsChannels(layer)) {
                role.put(name, "producer");
                for (String i : in) {
                    if (!networkInputs.contains(i)) {
                        consumersOf.computeIfAbsent(find(i), k -> new ArrayList<>()).add(name);
                    }
                }
            } else {
                role.put(name, "follower");
                for (String i : in) {
                    if (networkInputs.contains(i)) {
                        fixed.put(name, true);
                    } else {
                        union(i, name);
                    }
                }
            }
            if (isOutput) {
                fixed.put(name, true);
            }
        }

        ModelInfo build(List<LayerInfo> layers) {
            Map<String, List<String>> members = new TreeMap<>();
            Map<String, Integer> firstSeen = new LinkedHashMap<>();
            for (String v : parent.keySet()) {
                String root = find(v);
                firstSeen.putIfAbsent(root, firstSeen.size());
                members.computeIfAbsent(root, k -> new ArrayList<>()).add(v);
            }
            Map<String, List<String>> consumers = new LinkedHashMap<>();
            consumersOf.forEach((k, v) -> consumers.computeIfAbsent(find(k), x -> new ArrayList<>()).addAll(v));

            List<ChannelGroup> groups = new ArrayList<>();
            Map<String, Integer> groupOf = new LinkedHashMap<>();
            for (String root : firstSeen.keySet()) {
                List<String> producers = new ArrayList<>();
                List<String> followers = new ArrayList<>();
                boolean isFixed = false;
                for (String m : members.get(root)) {
                    ("producer".equals(role.get(m)) ? producers : followers).add(m);
                    isFixed |= fixed.getOrDefault(m, false);
                }
                int id = groups.size();
                groups.add(new ChannelGroup(id, channels.get(root), producers, followers,
                        consumers.getOrDefault(root, List.of()), !isFixed && !producers.isEmpty()));
                for (String m : members.get(root)) {
                    groupOf.put(m, id);
                }
            }
            return new ModelInfo(layers, groups, groupOf);
        }

        private String find(String v) {
            String p = parent.get(v);
            if (p == null) {
                throw new IllegalStateException("vertex " + v + " visited before its inputs");
            }
            if (!p.equals(v)) {
                p = find(p);
                parent.put(v, p);
            }
            return p;
        }

        private void union(String a, String b) {
            String ra = find(a);
            String rb = find(b);
            if (!ra.equals(rb)) {
                // keep the earlier vertex as root so groups are named by their first producer
                parent.put(rb, ra);
            }
        }
    }
}
