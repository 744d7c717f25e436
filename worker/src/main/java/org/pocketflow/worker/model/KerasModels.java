package org.pocketflow.worker.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelUtils;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Keras models saved with {@code model.save(path)} (HDF5: the architecture, the weights and the
 * training configuration), functional or sequential, imported with DL4J's Keras importer into a
 * ComputationGraph that then goes through the job like any user model.
 *
 * <p>Keras computes channels last; DL4J's importer keeps that (its convolutions run NHWC). The
 * project's data is channels first, so the imported graph is turned channels first
 * ({@link #channelsFirst}); its outputs equal Keras's for the same image.
 */
public final class KerasModels {
    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    private KerasModels() {
    }

    /** Whether {@code head} (a file's first bytes) starts with the HDF5 signature. */
    public static boolean isHdf5(byte[] head) {
        return head.length >= HDF5_SIGNATURE.length
                && Arrays.equals(Arrays.copyOf(head, HDF5_SIGNATURE.length), HDF5_SIGNATURE);
    }

    /**
     * Imports the Keras model in the local HDF5 file {@code file}.
     *
     * @throws IOException when the file is no Keras model or holds what DL4J cannot import; the
     *                     message says which
     */
    public static ComputationGraph importLocal(Path file) throws IOException {
        String path = file.toString();
        try {
            String modelClass = modelClass(path);
            ComputationGraph imported = switch (modelClass) {
                case "Sequential" -> named(KerasModelImport.importKerasSequentialModelAndWeights(path, true));
                case "Model", "Functional" -> KerasModelImport.importKerasModelAndWeights(path, true);
                default -> throw new IOException("its model_config names class " + modelClass
                        + ", not a Sequential or functional Model");
            };
            return channelsFirst(withOutputLayer(imported));
        } catch (InvalidKerasConfigurationException | UnsupportedKerasConfigurationException | RuntimeException e) {
            throw new IOException("DL4J cannot import it: " + e.getMessage(), e);
        }
    }

    private static String modelClass(String path) throws IOException {
        Hdf5Archive archive = new Hdf5Archive(path);
        try {
            if (!archive.hasAttribute("model_config")) {
                throw new IOException("it is an HDF5 file without the model_config attribute of a Keras model "
                        + "saved with model.save(path)");
            }
            Object name = KerasModelUtils.parseJsonString(archive.readAttributeAsJson("model_config")).get("class_name");
            return name == null ? "" : name.toString();
        } catch (UnsupportedKerasConfigurationException e) {
            throw new IOException("its model_config cannot be read: " + e.getMessage(), e);
        } finally {
            archive.close();
        }
    }

    /**
     * A sequential model converted to a graph has its vertices numbered: they take their Keras
     * layer names back, which the report and the per-layer settings show.
     */
    static ComputationGraph named(MultiLayerNetwork sequential) {
        ComputationGraph graph = sequential.toComputationGraph();
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        Map<String, String> rename = new HashMap<>();
        for (int i = 0; i < sequential.getnLayers(); i++) {
            String name = sequential.getLayerWiseConfigurations().getConf(i).getLayer().getLayerName();
            if (name != null && conf.getVertices().containsKey(String.valueOf(i))) {
                rename.put(String.valueOf(i), name);
            }
        }
        if (new HashSet<>(rename.values()).size() != rename.size()
                || rename.values().stream().anyMatch(conf.getNetworkInputs()::contains)) {
            return graph;
        }
        UnaryOperator<String> to = n -> rename.getOrDefault(n, n);
        Map<String, GraphVertex> vertices = new LinkedHashMap<>();
        conf.getVertices().forEach((k, v) -> {
            if (v instanceof LayerVertex layer) {
                layer.getLayerConf().getLayer().setLayerName(to.apply(k));
            }
            vertices.put(to.apply(k), v);
        });
        Map<String, List<String>> inputs = new LinkedHashMap<>();
        conf.getVertexInputs().forEach((k, v) -> inputs.put(to.apply(k), v.stream().map(to).toList()));
        conf.setVertices(vertices);
        conf.setVertexInputs(inputs);
        conf.setNetworkOutputs(conf.getNetworkOutputs().stream().map(to).collect(Collectors.toList()));
        return rebuilt(conf, graph);
    }

    /**
     * The importer ends a network trained with a loss as Keras does: a softmax dense layer, then
     * a separate loss layer, whose cross-entropy gradient goes through the softmax as
     * {@code -y/p}. The pair becomes one {@link OutputLayer} with the same weights, activation
     * and loss: the fused gradient ({@code p - y}) is stable, and it is the output layer the
     * learners and distillation expect.
     */
    static ComputationGraph withOutputLayer(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        if (conf.getNetworkOutputs().size() != 1) {
            return graph;
        }
        String lossName = conf.getNetworkOutputs().get(0);
        List<String> in = conf.getVertexInputs().get(lossName);
        if (!(conf.getVertices().get(lossName) instanceof LayerVertex lossVertex)
                || !(lossVertex.getLayerConf().getLayer() instanceof LossLayer loss) || in == null || in.size() != 1
                || !(conf.getVertices().get(in.get(0)) instanceof LayerVertex denseVertex)
                || !(denseVertex.getLayerConf().getLayer() instanceof DenseLayer dense)
                || lossVertex.getPreProcessor() != null
                || conf.getVertexInputs().values().stream().filter(v -> v.contains(in.get(0))).count() != 1) {
            return graph;
        }
        OutputLayer output = new OutputLayer.Builder(loss.getLossFn()).nIn(dense.getNIn()).nOut(dense.getNOut())
                .activation(dense.getActivationFn()).hasBias(dense.hasBias()).weightInit(dense.getWeightInitFn())
                .updater(dense.getIUpdater()).name(in.get(0)).build();
        denseVertex.getLayerConf().setLayer(output);
        conf.getVertices().remove(lossName);
        conf.getVertexInputs().remove(lossName);
        conf.setNetworkOutputs(new ArrayList<>(in));
        return rebuilt(conf, graph);
    }

    /**
     * {@code graph} computing channels first: every image layer switched to NCHW (convolution
     * weights are stored {@code [out, in, kh, kw]} in both layouts, so they stay), global
     * pooling over the NCHW spatial axes, and the rows of a dense layer after a flatten reordered
     * from Keras's height-width-channel order to channel-height-width. The project's images feed
     * it as they are, and DL4J's NCHW kernels train it (its NHWC convolution gradients are not
     * finite in 1.0.0-M2).
     *
     * @throws IllegalArgumentException for a flatten DL4J imported as a separate vertex
     */
    static ComputationGraph channelsFirst(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        Map<String, CnnToFeedForwardPreProcessor> flattens = new LinkedHashMap<>();
        boolean changed = false;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex vertex) {
                changed |= toChannelsFirst(vertex.getLayerConf().getLayer());
                if (vertex.getPreProcessor() instanceof CnnToFeedForwardPreProcessor f && f.getFormat() == CNN2DFormat.NHWC) {
                    f.setFormat(CNN2DFormat.NCHW);
                    flattens.put(e.getKey(), f);
                    changed = true;
                }
            } else if (e.getValue() instanceof PreprocessorVertex p
                    && p.getPreProcessor() instanceof CnnToFeedForwardPreProcessor f && f.getFormat() == CNN2DFormat.NHWC) {
                throw new IllegalArgumentException("the channels-last flatten " + e.getKey() + " feeds no dense layer "
                        + "directly; such a graph cannot be imported yet");
            }
        }
        if (!changed) {
            return graph;
        }
        ComputationGraph out = rebuilt(conf, graph);
        for (Map.Entry<String, CnnToFeedForwardPreProcessor> e : flattens.entrySet()) {
            INDArray w = out.getParam(e.getKey() + "_" + DefaultParamInitializer.WEIGHT_KEY);
            CnnToFeedForwardPreProcessor f = e.getValue();
            long h = f.getInputHeight();
            long width = f.getInputWidth();
            long c = f.getNumChannels();
            long n = w.size(1);
            w.assign(w.dup('c').reshape('c', h, width, c, n).permute(2, 0, 1, 3).dup('c').reshape('c', c * h * width, n));
        }
        return out;
    }

    private static boolean toChannelsFirst(Layer layer) {
        if (layer instanceof ConvolutionLayer c && c.getCnn2dDataFormat() == CNN2DFormat.NHWC) {
            c.setCnn2dDataFormat(CNN2DFormat.NCHW);
            return true;
        }
        if (layer instanceof SubsamplingLayer s && s.getCnn2dDataFormat() == CNN2DFormat.NHWC) {
            s.setCnn2dDataFormat(CNN2DFormat.NCHW);
            return true;
        }
        if (layer instanceof BatchNormalization b && b.getCnn2DFormat() == CNN2DFormat.NHWC) {
            b.setCnn2DFormat(CNN2DFormat.NCHW);
            return true;
        }
        if (layer instanceof ZeroPaddingLayer z && z.getDataFormat() == CNN2DFormat.NHWC) {
            z.setDataFormat(CNN2DFormat.NCHW);
            return true;
        }
        if (layer instanceof GlobalPoolingLayer g && Arrays.equals(g.getPoolingDimensions(), new int[]{1, 2})) {
            g.setPoolingDimensions(new int[]{2, 3});
            return true;
        }
        return false;
    }

    /**
     * The network with its frozen layers (DL4J's {@code FrozenLayer} and {@code
     * FrozenLayerWithBackprop}, as transfer learning leaves them) turned back into the layers they
     * wrap, same parameters: compression changes and fine-tunes every layer's weights, and
     * the cost tables, the learners and the channel surgery know the plain layers.
     * The network itself when nothing is frozen.
     */
    static ComputationGraph unfrozen(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        boolean frozen = false;
        for (Map.Entry<String, GraphVertex> v : conf.getVertices().entrySet()) {
            if (v.getValue() instanceof LayerVertex vertex) {
                Layer layer = vertex.getLayerConf().getLayer();
                Layer inner = layer instanceof FrozenLayer f ? f.getLayer()
                        : layer instanceof FrozenLayerWithBackprop b ? b.getUnderlying() : null;
                if (inner != null) {
                    inner.setLayerName(v.getKey());
                    vertex.getLayerConf().setLayer(inner);
                    frozen = true;
                }
            }
        }
        return frozen ? rebuilt(conf, graph) : graph;
    }

    /** A network of {@code conf} holding {@code graph}'s parameters (same count and order); the vertex order is recomputed. */
    private static ComputationGraph rebuilt(ComputationGraphConfiguration conf, ComputationGraph graph) {
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        ComputationGraph out = new ComputationGraph(conf);
        out.init(graph.params().dup(), false);
        return out;
    }
}
