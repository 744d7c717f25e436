package org.pocketflow.worker.export.onnx;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import onnx.Onnx.ModelProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.StringStringEntryProto;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.export.BatchNormFolding;
import org.pocketflow.worker.export.TensorEncoding;

/**
 * Writes a (compressed) DL4J network as an ONNX model (opset {@value #OPSET}) that takes raw
 * pixels: input {@value #INPUT}, float values 0..255 in NCHW layout (or flattened CHW when the
 * network takes a flat input), and the job's normalisation as a {@code Sub}/{@code Div} prefix, so
 * deployment needs nothing but the file; output {@value #OUTPUT}, the softmax probabilities.
 * Batch norms that follow a plain convolution are folded into it ({@link BatchNormFolding});
 * the others become {@code BatchNormalization} nodes. Weights stored uniformly at up to 8 bits in
 * the packed model stay int8 behind {@code DequantizeLinear} ({@link OnnxWeights}). The
 * normalisation and the given provenance go into {@code metadata_props}.
 *
 * <p>Call order: {@link #export} once per network; it reads the network and leaves it unchanged.
 * A layer without a mapping throws {@link UnsupportedLayerException}. Stateless.
 */
public final class OnnxExporter {
    /** The operator set written. */
    public static final int OPSET = 13;
    /** Name of the model's input: raw pixels 0..255. */
    public static final String INPUT = "pixels";
    /** Name of the model's output: class probabilities. */
    public static final String OUTPUT = "probabilities";
    /** ONNX IR version of opset 13. */
    private static final int IR_VERSION = 7;

    private OnnxExporter() {
    }

    /**
     * Exports {@code graph}.
     *
     * @param encodings per DL4J parameter key, its packed encoding (an empty map writes floats only)
     * @param shape     the images the network reads
     * @param norm      the normalisation the network was trained with
     * @param metadata  provenance written into {@code metadata_props} beside the input scaling
     * @throws UnsupportedLayerException when a part of the network has no ONNX mapping
     */
    public static OnnxModel export(ComputationGraph graph, Map<String, TensorEncoding> encodings, ImageShape shape,
                                   Normalizer norm, Map<String, String> metadata) {
        ComputationGraphConfiguration original = graph.getConfiguration();
        if (original.getNetworkInputs().size() != 1 || original.getNetworkOutputs().size() != 1) {
            throw new UnsupportedLayerException(String.join(",", original.getNetworkInputs()),
                    original.getNetworkInputs().size() + " inputs and " + original.getNetworkOutputs().size()
                            + " outputs (one each is exported)");
        }
        Map<String, double[]> folds = new HashMap<>();
        BatchNormFolding.foldable(original).forEach((bn, conv) ->
                folds.put(conv, BatchNormFolding.channelScale(graph.getLayer(bn)).toDoubleVector()));
        ComputationGraph folded = BatchNormFolding.fold(graph);
        ComputationGraphConfiguration conf = folded.getConfiguration();
        String inputVertex = conf.getNetworkInputs().get(0);
        boolean flat = readsFlatInput(conf, inputVertex);
        InputType inputType = flat ? InputType.convolutionalFlat(shape.height(), shape.width(), shape.channels())
                : InputType.convolutional(shape.height(), shape.width(), shape.channels());
        Map<String, InputType> types = conf.getLayerActivationTypes(inputType);

        OnnxGraph g = new OnnxGraph("pocketflow");
        OnnxWeights weights = new OnnxWeights(g, encodings);
        LayerNodes layers = new LayerNodes(g, weights, folds);
        long[] inputShape = flat ? new long[]{-1, (long) shape.channels() * shape.height() * shape.width()}
                : new long[]{-1, shape.channels(), shape.height(), shape.width()};
        g.input(INPUT, inputShape);
        String centred = g.node("Sub", "input_centred", new String[]{INPUT,
                inputScaling(g, "input_mean_255", norm.rawMean(), flat, shape)});
        Map<String, String> tensors = new HashMap<>();
        tensors.put(inputVertex, g.node("Div", "input_scaled", new String[]{centred,
                inputScaling(g, "input_std_255", norm.rawStd(), flat, shape)}));
        for (int idx : folded.topologicalSortOrder()) {
            String name = folded.getVertices()[idx].getVertexName();
            if (name.equals(inputVertex)) {
                continue;
            }
            List<String> in = conf.getVertexInputs().get(name);
            String[] xs = in.stream().map(tensors::get).toArray(String[]::new);
            GraphVertex v = conf.getVertices().get(name);
            tensors.put(name, vertex(g, layers, folded, name, v, xs, types.get(in.get(0))));
        }
        String last = tensors.get(conf.getNetworkOutputs().get(0));
        g.node("Identity", OUTPUT, new String[]{last});
        long classes = types.get(conf.getNetworkOutputs().get(0)).arrayElementsPerExample();
        g.output(OUTPUT, -1, classes);

        Map<String, String> meta = new TreeMap<>(metadata);
        meta.put("pocketflow.input", INPUT + ": float pixels 0..255, " + (flat ? "flattened CHW" : "NCHW")
                + ", shape " + java.util.Arrays.toString(inputShape).replace("-1", "N"));
        meta.put("pocketflow.input.scaling", "(pixels / 255 - mean) / std, as the nodes input_centred and "
                + "input_scaled compute");
        meta.put("pocketflow.input.mean", java.util.Arrays.toString(norm.mean()));
        meta.put("pocketflow.input.std", java.util.Arrays.toString(norm.std()));
        meta.put("pocketflow.input.normalization", norm.source());
        meta.put("pocketflow.output", OUTPUT + ": softmax probabilities, shape [N, " + classes + "]");
        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("pocketflow")
                .setProducerVersion(metadata.getOrDefault("pocketflow.version", "dev"))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(g.build());
        meta.forEach((k, val) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(val)));
        return new OnnxModel(m.build().toByteArray(), inputShape, new LinkedHashMap<>(weights.stored()));
    }

    private static String vertex(OnnxGraph g, LayerNodes layers, ComputationGraph folded, String name, GraphVertex v,
                                 String[] xs, InputType in) {
        if (v instanceof LayerVertex lv) {
            String x = xs[0];
            InputPreProcessor pre = lv.getPreProcessor();
            if (pre instanceof CnnToFeedForwardPreProcessor) {
                x = g.node("Flatten", name + "_flatten", new String[]{x}, OnnxGraph.integer("axis", 1));
            } else if (pre instanceof FeedForwardToCnnPreProcessor p) {
                x = g.node("Reshape", name + "_reshape", new String[]{x, g.int64s(name + "_shape",
                        new long[]{-1, p.getNumChannels(), p.getInputHeight(), p.getInputWidth()}, 4)});
            } else if (pre != null) {
                throw new UnsupportedLayerException(name, "preprocessor " + pre.getClass().getSimpleName());
            }
            InputType after = pre == null ? in : pre.getOutputType(in);
            return layers.layer(name, lv.getLayerConf().getLayer(), folded.getLayer(name), x, after);
        }
        if (v instanceof MergeVertex) {
            return g.node("Concat", name + "_concat", xs, OnnxGraph.integer("axis", 1));
        }
        if (v instanceof ElementWiseVertex e) {
            return switch (e.getOp()) {
                case Add -> g.node("Sum", name + "_sum", xs);
                case Average -> g.node("Mean", name + "_mean", xs);
                case Max -> g.node("Max", name + "_max", xs);
                case Subtract -> g.node("Sub", name + "_sub", xs);
                case Product -> {
                    String y = xs[0];
                    for (int i = 1; i < xs.length; i++) {
                        y = g.node("Mul", name + "_mul", new String[]{y, xs[i]});
                    }
                    yield y;
                }
            };
        }
        throw new UnsupportedLayerException(name, "vertex type " + v.getClass().getSimpleName());
    }

    private static boolean readsFlatInput(ComputationGraphConfiguration conf, String input) {
        for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
            if (e.getValue().contains(input) && conf.getVertices().get(e.getKey()) instanceof LayerVertex lv
                    && lv.getPreProcessor() instanceof FeedForwardToCnnPreProcessor) {
                return true;
            }
        }
        return false;
    }

    /**
     * One value per channel of the raw input, broadcast against it: a scalar for one value, a
     * {@code [1, C, 1, 1]} tensor for an NCHW input, and for a flat (CHW-ordered) input each
     * channel's value repeated over its {@code H * W} positions.
     */
    private static String inputScaling(OnnxGraph g, String name, double[] perChannel, boolean flat, ImageShape shape) {
        if (perChannel.length == 1) {
            return g.floats(name, new float[]{(float) perChannel[0]});
        }
        if (!flat) {
            float[] v = new float[perChannel.length];
            for (int c = 0; c < v.length; c++) {
                v[c] = (float) perChannel[c];
            }
            return g.floats(name, v, 1, v.length, 1, 1);
        }
        int plane = shape.height() * shape.width();
        float[] v = new float[perChannel.length * plane];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) perChannel[i / plane];
        }
        return g.floats(name, v, 1, v.length);
    }
}
