package org.pocketflow.worker.learn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Re-estimates every batch norm's running mean and variance of a network on a fixed set of
 * training images, weights unchanged ("adaptive batch norm": Li et al., EagleEye, ECCV 2020, Sec.
 * 3.2). A network cut by channel pruning keeps its base's statistics, which no longer describe
 * the inputs its norms see; scored without fine-tuning it then ranks near chance (ResNet-20 at 50%
 * of the MACs: 11.65% with the stale statistics, 33% uniform and up to 68% searched after
 * re-estimation, docs/QUALITY.md).
 *
 * <p>Each norm gets the mean and the (biased) variance, per channel, of its input as the network
 * re-estimated up to it produces it. One forward pass in training mode gives exactly that: a batch
 * norm in training mode normalises by its own input's batch statistics, which are the statistics
 * it is then given. The pass runs on a copy whose dropout and weight noise are off, so the inputs
 * are the inference network's. When the images' activations exceed {@value #BYTES_PER_PASS}
 * bytes the pass runs in chunks whose statistics are pooled (each chunk normalised by its own,
 * as EagleEye's training-mode batches are), which is close to, not exactly, the one-pass result.
 * Stateless apart from the images, which are read only.
 */
public final class BatchNormReestimation {
    /** No re-estimation: networks keep their statistics. */
    public static final BatchNormReestimation OFF = new BatchNormReestimation(null);
    /** Bound on the fp32 activations of one training-mode pass. */
    public static final long BYTES_PER_PASS = 1L << 30;
    /** The provenance key of the compressed model that says what was re-estimated. */
    public static final String PROVENANCE_KEY = "batch-norms";
    private static final String NOTE = "batch norms re-estimated: ";

    private final INDArray images;
    private final long imagesPerPass;

    /**
     * @param images normalised training images {@code [N, C, H, W]} the statistics are estimated
     *               on, at least one; null turns re-estimation off
     */
    public BatchNormReestimation(INDArray images) {
        this(images, 0);
    }

    /** As {@link #BatchNormReestimation(INDArray)}, {@code imagesPerPass} images a pass (0: as many as {@value #BYTES_PER_PASS} bytes hold). */
    BatchNormReestimation(INDArray images, long imagesPerPass) {
        if (images != null && (images.rank() != 4 || images.size(0) < 1)) {
            throw new IllegalArgumentException("batch-norm re-estimation needs images [N, C, H, W] with N >= 1, but got "
                    + Arrays.toString(images.shape()));
        }
        this.images = images;
        this.imagesPerPass = imagesPerPass;
    }

    /** The first {@code n} of {@code calibration} (all when fewer), or {@link #OFF} when {@code n} is 0 or there are none. */
    public static BatchNormReestimation firstImages(INDArray calibration, int n) {
        if (n <= 0 || calibration == null || calibration.size(0) == 0) {
            return OFF;
        }
        return new BatchNormReestimation(n >= calibration.size(0) ? calibration
                : calibration.get(NDArrayIndex.interval(0, n)));
    }

    /** Images the statistics are estimated on; 0 when off. */
    public long images() {
        return images == null ? 0 : images.size(0);
    }

    /**
     * Sets every batch norm of {@code graph} to the statistics of its input on this object's images;
     * nothing else changes. A network without batch norms, or this object {@link #OFF}, is left as it is.
     *
     * @param graph modified in place; its parameters must not be shared with another network
     * @return a line for the compression report naming what was done, or null when nothing was
     */
    public String apply(ComputationGraph graph) {
        List<String> norms = batchNorms(graph);
        if (images == null || norms.isEmpty()) {
            return null;
        }
        Map<String, Moments> moments = new LinkedHashMap<>();
        ComputationGraph probe = inferenceInputs(graph);
        long n = images.size(0);
        long chunk = imagesPerPass(graph);
        for (long from = 0; from < n; from += chunk) {
            INDArray part = chunk >= n ? images : images.get(NDArrayIndex.interval(from, Math.min(n, from + chunk)));
            Map<String, INDArray> activations = probe.feedForward(new INDArray[]{part}, true);
            for (String name : norms) {
                INDArray x = inputOf(probe, name, activations, part);
                moments.computeIfAbsent(name, k -> new Moments()).add(x, axes(graph, name, x));
            }
            CalibrationPasses.release(activations.values(), images);
            NativeHeap.trimNowAndThen();
        }
        for (String name : norms) {
            moments.get(name).assignTo(graph.getLayer(name));
        }
        return NOTE + norms.size() + " on " + n + " training images (adaptive batch norm)";
    }

    /** Adds to {@code provenance} what the re-estimation in {@code notes} did, when it did anything. */
    public static void record(List<String> notes, Map<String, String> provenance) {
        for (String note : notes) {
            if (note.startsWith(NOTE)) {
                provenance.put(PROVENANCE_KEY, note.substring(NOTE.length()));
            }
        }
    }

    /** The names of {@code graph}'s batch-norm layers in topological order. */
    static List<String> batchNorms(ComputationGraph graph) {
        List<String> out = new ArrayList<>();
        GraphVertex[] vertices = graph.getVertices();
        for (int i : graph.topologicalSortOrder()) {
            GraphVertex v = vertices[i];
            if (v.hasLayer() && v.getLayer().conf().getLayer() instanceof BatchNormalization) {
                out.add(v.getVertexName());
            }
        }
        return out;
    }

    /** The running variance {@code graph}'s batch norm {@code name} normalises by at inference, without epsilon. */
    static INDArray variance(ComputationGraph graph, String name) {
        Layer layer = graph.getLayer(name);
        if (layer.paramTable().containsKey("log10stdev")) {
            // stored as log10 of the standard deviation; inference reads 10^(2 l) and adds epsilon itself
            return Transforms.exp(layer.getParam("log10stdev").mul(2 * Math.log(10)));
        }
        return layer.getParam("var");
    }

    /**
     * The input of batch norm {@code name} in a forward pass's {@code activations}, after the layer's
     * preprocessor where it has one.
     */
    static INDArray inputOf(ComputationGraph graph, String name, Map<String, INDArray> activations,
                                   INDArray networkInput) {
        String input = graph.getConfiguration().getVertexInputs().get(name).get(0);
        INDArray x = activations.containsKey(input) ? activations.get(input) : networkInput;
        InputPreProcessor pre = ((LayerVertex) graph.getVertex(name)).getLayerPreProcessor();
        return pre == null ? x : pre.preProcess(x, (int) x.size(0), LayerWorkspaceMgr.noWorkspaces());
    }

    /** The axes a batch norm's statistics are taken over: all but the channel axis. */
    private static int[] axes(ComputationGraph graph, String name, INDArray x) {
        BatchNormalization conf = (BatchNormalization) graph.getLayer(name).conf().getLayer();
        return switch (x.rank()) {
            case 4 -> conf.getCnn2DFormat() == CNN2DFormat.NHWC ? new int[]{0, 1, 2} : new int[]{0, 2, 3};
            case 3 -> new int[]{0, 2};
            default -> new int[]{0};
        };
    }

    /**
     * A copy of {@code graph} whose training-mode pass differs from inference only in its batch
     * norms: dropout and weight noise off (a copy, so {@code graph}'s configuration stays as it is).
     */
    private static ComputationGraph inferenceInputs(ComputationGraph graph) {
        ComputationGraph probe = graph.clone();
        for (GraphVertex v : probe.getVertices()) {
            if (v.hasLayer()) {
                org.deeplearning4j.nn.conf.layers.Layer conf = v.getLayer().conf().getLayer();
                conf.setIDropout(null);
                if (conf instanceof BaseLayer base) {
                    base.setWeightNoise(null);
                }
            }
        }
        return probe;
    }

    private long imagesPerPass(ComputationGraph graph) {
        if (imagesPerPass > 0) {
            return imagesPerPass;
        }
        ImageShape shape = new ImageShape((int) images.size(1), (int) images.size(2), (int) images.size(3));
        return CalibrationPasses.imagesPerPass(ModelInfo.of(graph, shape), BYTES_PER_PASS);
    }

    /** Per-channel count, mean and sum of squared deviations, pooled over chunks (Chan et al.'s update). */
    private static final class Moments {
        private long count;
        private double[] mean;
        private double[] m2;

        void add(INDArray x, int[] axes) {
            INDArray xd = x.castTo(DataType.DOUBLE);
            double[] m = xd.mean(axes).toDoubleVector();
            double[] v = xd.var(false, axes).toDoubleVector();
            long k = x.length() / m.length;
            if (mean == null) {
                mean = m;
                m2 = new double[m.length];
                for (int c = 0; c < m.length; c++) {
                    m2[c] = v[c] * k;
                }
                count = k;
                return;
            }
            long total = count + k;
            for (int c = 0; c < m.length; c++) {
                double delta = m[c] - mean[c];
                m2[c] += v[c] * k + delta * delta * count * k / total;
                mean[c] += delta * k / total;
            }
            count = total;
        }

        void assignTo(Layer layer) {
            INDArray meanParam = layer.getParam("mean");
            meanParam.assign(Nd4j.createFromArray(mean).castTo(meanParam.dataType()).reshape(meanParam.shape()));
            double[] var = new double[m2.length];
            for (int c = 0; c < var.length; c++) {
                var[c] = m2[c] / count;
            }
            if (layer.paramTable().containsKey("log10stdev")) {
                INDArray l = layer.getParam("log10stdev");
                double[] log = new double[var.length];
                for (int c = 0; c < var.length; c++) {
                    // the variance of a constant channel (a dead ReLU) is 0; inference adds epsilon
                    log[c] = 0.5 * Math.log10(Math.max(var[c], Double.MIN_NORMAL));
                }
                l.assign(Nd4j.createFromArray(log).castTo(l.dataType()).reshape(l.shape()));
            } else {
                INDArray varParam = layer.getParam("var");
                varParam.assign(Nd4j.createFromArray(var).castTo(varParam.dataType()).reshape(varParam.shape()));
            }
        }
    }
}
