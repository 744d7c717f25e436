package org.pocketflow.worker.learn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.model.LayerInfo;
import org.pocketflow.worker.model.ModelInfo;

/**
 * A weight tensor that quantization and sparsification act on: the kernel of a convolution,
 * depthwise or separable convolution, or dense/output layer (biases and batch-norm parameters
 * stay fp32; they are a tiny share of the parameters).
 *
 * @param layer       the layer's name
 * @param key         DL4J parameter key ({@code layer_W}, or {@code layer_pW} for a separable
 *                    convolution's pointwise part)
 * @param shape       the tensor's shape in DL4J's layout
 * @param channelAxis the axis of output channels, for per-channel quantization ranges
 */
public record WeightTensor(String layer, String key, long[] shape, int channelAxis) {
    public WeightTensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of weights. */
    public long size() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /**
     * Weights per layer that has weight tensors, in topological order, from the cost table alone:
     * a convolution's (or dense layer's) MACs are its weights times its output positions, so
     * {@code macs / (H * W)} counts them exactly (a separable convolution's two tensors together).
     */
    public static Map<String, Long> weightsPerLayer(ModelInfo info) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (LayerInfo l : info.layers()) {
            if (l.macs() > 0) {
                long[] s = l.outputShape();
                long positions = s.length >= 3 ? s[1] * s[2] : 1;
                out.put(l.name(), l.macs() / positions);
            }
        }
        return out;
    }

    /** The weight tensors of {@code graph}, in topological order. */
    public static List<WeightTensor> of(ComputationGraph graph) {
        List<WeightTensor> out = new ArrayList<>();
        for (int idx : graph.topologicalSortOrder()) {
            var vertex = graph.getVertices()[idx];
            if (!vertex.hasLayer()) {
                continue;
            }
            Layer layer = vertex.getLayer();
            var conf = layer.conf().getLayer();
            String name = vertex.getVertexName();
            INDArray w = layer.paramTable().get("W");
            if (w == null || !(conf instanceof FeedForwardLayer)) {
                continue;
            }
            if (conf instanceof SeparableConvolution2D) {
                // depthwise part [mult, in, kh, kw]: channels along axis 1; pointwise [out, in*mult, 1, 1]
                out.add(new WeightTensor(name, name + "_W", w.shape(), 1));
                out.add(new WeightTensor(name, name + "_pW", layer.paramTable().get("pW").shape(), 0));
            } else if (conf instanceof DepthwiseConvolution2D) {
                out.add(new WeightTensor(name, name + "_W", w.shape(), 2)); // [kh, kw, in, mult]
            } else if (conf instanceof ConvolutionLayer) {
                out.add(new WeightTensor(name, name + "_W", w.shape(), 0)); // [out, in, kh, kw]
            } else if (w.rank() == 2) {
                out.add(new WeightTensor(name, name + "_W", w.shape(), 1)); // [in, out]
            }
        }
        return out;
    }

    /** A copy of this tensor's values in {@code graph}, row-major. */
    public float[] read(ComputationGraph graph) {
        return graph.getParam(key).dup('c').data().asFloat();
    }

    /** Overwrites this tensor in {@code graph} with {@code values} (row-major). */
    public void write(ComputationGraph graph, float[] values) {
        INDArray p = graph.getParam(key);
        p.assign(Nd4j.create(values, p.shape(), 'c').castTo(p.dataType()));
    }
}
