package org.pocketflow.driver;

import java.util.List;
import java.util.Optional;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.conf.DataKeys;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.LearnKeys;
import org.pocketflow.conf.ModelKeys;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ModelFiles;

/**
 * Refuses, before any Spark work, a model given by {@code pocketflow.model.path} that cannot take
 * the job's data: one input and one output, no recurrent or embedding layer, the data's images
 * (channels x height x width) through a forward pass, as many outputs as the data has classes,
 * and a softmax output when the job distils. Without this check the job starts,
 * and the executor fails with ND4J's shape message in the middle of evaluation.
 *
 * <p>One image of zeros goes through the network on the driver; the message names the key, the
 * model, what it takes or gives against what the data gives, and the fix.
 */
final class ModelFit {
    /** Image side from which every zoo network takes the images, so {@link #zooProblems} does not build it. */
    private static final int LARGE_ENOUGH = 64;

    private ModelFit() {
    }

    /**
     * The problem with the given model against the data, if any.
     *
     * @param shape   the images the data gives the network
     * @param classes the data's classes
     */
    static List<String> problems(JobConfig config, ImageShape shape, int classes) {
        String model = config.get(ModelKeys.PATH);
        ComputationGraph graph;
        try {
            graph = ModelFiles.load(model);
        } catch (RuntimeException unreadable) {
            return List.of(); // ModelFiles.check reports it
        }
        String head = ModelKeys.PATH.name() + " = " + model + ": ";
        ComputationGraphConfiguration conf = graph.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            return List.of(head + "the model has " + conf.getNetworkInputs().size() + " inputs and "
                    + conf.getNetworkOutputs().size() + " outputs; PocketFlow compresses image classifiers with one "
                    + "image input and one class output. Fix: give such a model");
        }
        Optional<String> sequence = sequenceLayer(conf);
        if (sequence.isPresent()) {
            return List.of(head + "layer " + sequence.get() + " works on sequences (recurrent or embedding layers), "
                    + "which PocketFlow's learners cannot compress and its data cannot feed; it compresses image "
                    + "classifiers (convolutions, pooling, dense layers). Fix: give a CNN for the data's " + shape
                    + " images, or leave " + ModelKeys.PATH.name() + " empty to train " + ModelKeys.ARCH.name());
        }
        INDArray out;
        try {
            out = graph.outputSingle(false, Nd4j.zeros(DataType.FLOAT, 1, shape.channels(), shape.height(),
                    shape.width()));
        } catch (RuntimeException e) {
            String format = config.get(DataKeys.FORMAT);
            return List.of(head + inputProblem(conf, shape, format).orElse("the model does not take the data's "
                    + shape + " images (" + firstLine(e) + "). Fix: " + sizeFix(format, shape)));
        }
        long outputs = out.rank() == 2 ? out.size(1) : -1;
        if (outputs != classes) {
            return List.of(head + "the model's output has " + (outputs < 0 ? "shape " + java.util.Arrays.toString(
                    out.shape()) : outputs + " classes") + ", but the data (" + DataKeys.URI.name() + " = "
                    + config.get(DataKeys.URI) + ") has " + classes + ". Fix: give a model whose output layer has "
                    + classes + " units (nOut), or data with " + outputs + " classes"
                    + (config.get(DataKeys.FORMAT).equals("tfrecord") ? " (or correct " + DataKeys.CLASSES.name() + ")"
                    : ""));
        }
        var activation = outputActivation(conf);
        if (config.get(LearnKeys.DISTILL_WEIGHT) > 0 && activation.isPresent()
                && !(activation.get() instanceof ActivationSoftmax)) {
            return List.of(head + "its output layer's activation is " + activation.get() + ", but distillation ("
                    + LearnKeys.DISTILL_WEIGHT.name() + " = " + config.get(LearnKeys.DISTILL_WEIGHT) + ") compares "
                    + "softmax probabilities. Fix: set " + LearnKeys.DISTILL_WEIGHT.name() + " = 0, or give a model "
                    + "whose output layer is softmax with cross-entropy (MCXENT)");
        }
        return List.of();
    }

    /** The activation of the network's output layer, when it is a layer with one. */
    private static Optional<IActivation> outputActivation(ComputationGraphConfiguration conf) {
        GraphVertex v = conf.getVertices().get(conf.getNetworkOutputs().get(0));
        return v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BaseLayer b
                ? Optional.ofNullable(b.getActivationFn()) : Optional.empty();
    }

    /**
     * The zoo network {@code pocketflow.model.arch} built for the data's images must take them: a
     * network whose convolutions and poolings shrink small images (LeNet on 8x8) to nothing is
     * refused naming the image size, instead of failing in the task with DL4J's kernel message.
     */
    static List<String> zooProblems(JobConfig config, ImageShape shape, int classes) {
        String arch = config.get(ModelKeys.ARCH);
        if (Math.min(shape.height(), shape.width()) >= LARGE_ENOUGH) {
            return List.of(); // every zoo network downsamples by at most 32; no need to build an ImageNet net here
        }
        Optional<String> failure = zooFailure(arch, shape, classes);
        if (failure.isEmpty()) {
            return List.of();
        }
        String head = ModelKeys.ARCH.name() + " = " + arch + ": the network does not take the data's " + shape
                + " images (" + failure.get() + ")";
        if (zooFailure(arch, new ImageShape(shape.channels(), LARGE_ENOUGH, LARGE_ENOUGH), classes).isPresent()) {
            return List.of(head + ". Fix: give a model for " + shape + " images in " + ModelKeys.PATH.name());
        }
        int low = Math.min(shape.height(), shape.width());
        int high = LARGE_ENOUGH;
        while (high - low > 1) { // the smallest square side the network takes, in (low, high]
            int mid = (low + high) / 2;
            if (zooFailure(arch, new ImageShape(shape.channels(), mid, mid), classes).isEmpty()) {
                high = mid;
            } else {
                low = mid;
            }
        }
        String format = config.get(DataKeys.FORMAT);
        return List.of(head + "; it needs images of at least " + high + "x" + high + ". Fix: "
                + (format.equals("idx") ? "use IDX images of that size" : "set " + DataKeys.IMAGE_SIZE.name() + " = "
                + high + " or more") + ", or give a model for " + shape + " images in " + ModelKeys.PATH.name());
    }

    /** Why the zoo network built for {@code shape} fails on one such image; empty when it works. */
    private static Optional<String> zooFailure(String arch, ImageShape shape, int classes) {
        try {
            ComputationGraph graph = Architecture.of(arch).factory().create(shape, classes, 1);
            graph.outputSingle(false, Nd4j.zeros(DataType.FLOAT, 1, shape.channels(), shape.height(), shape.width()));
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(firstLine(e).strip());
        }
    }

    /** The first layer (name and type) that works on sequences: recurrent, a wrapper of one, or an embedding. */
    private static Optional<String> sequenceLayer(ComputationGraphConfiguration conf) {
        for (var v : conf.getVertices().entrySet()) {
            if (v.getValue() instanceof LayerVertex lv) {
                Layer layer = lv.getLayerConf().getLayer();
                Layer inner = layer instanceof BaseWrapperLayer w ? w.getUnderlying() : layer;
                if (inner instanceof BaseRecurrentLayer || inner instanceof Bidirectional || inner instanceof EmbeddingLayer
                        || inner instanceof EmbeddingSequenceLayer || inner instanceof RnnOutputLayer) {
                    return Optional.of(v.getKey() + " (" + inner.getClass().getSimpleName() + ")");
                }
            }
        }
        return Optional.empty();
    }

    /** What the layer that reads the network input expects, with the fix, when its configuration says so. */
    private static Optional<String> inputProblem(ComputationGraphConfiguration conf, ImageShape shape, String format) {
        String input = conf.getNetworkInputs().get(0);
        for (var e : conf.getVertexInputs().entrySet()) {
            GraphVertex v = conf.getVertices().get(e.getKey());
            if (!e.getValue().contains(input) || !(v instanceof LayerVertex lv)) {
                continue;
            }
            var layer = lv.getLayerConf().getLayer();
            if (layer instanceof ConvolutionLayer c && c.getNIn() != shape.channels()) {
                boolean decodable = !format.equals("idx") && (c.getNIn() == 1 || c.getNIn() == 3);
                return Optional.of("its first layer " + e.getKey() + " takes " + c.getNIn() + " channels, but the data "
                        + "gives " + shape + " images" + (format.equals("idx") ? " (IDX images are grey)" : "")
                        + ". Fix: " + (decodable ? "set " + DataKeys.CHANNELS.name() + " = " + c.getNIn()
                        : sizeFix(format, shape)));
            }
            if (layer instanceof FeedForwardLayer f && !(layer instanceof ConvolutionLayer) && lv.getPreProcessor() == null) {
                return Optional.of("its first layer " + e.getKey() + " takes flat vectors of " + f.getNIn()
                        + " values (InputType.feedForward), but PocketFlow feeds images of " + shape + ". Fix: build "
                        + "the model with InputType.convolutional(" + shape.height() + ", " + shape.width() + ", "
                        + shape.channels() + "), which adds the flattening before the dense layer, and train it again");
            }
        }
        return Optional.empty();
    }

    private static String sizeFix(String format, ImageShape shape) {
        return format.equals("idx")
                ? "give a model for the IDX files' " + shape + " images, or IDX files of the size the model was "
                        + "trained on"
                : "set " + DataKeys.IMAGE_SIZE.name() + " (and " + DataKeys.CHANNELS.name() + ") to the input the "
                        + "model was trained on (streamed images are square), or give a model for " + shape + " images";
    }

    private static String firstLine(RuntimeException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
