package org.pocketflow.worker.export;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A compressed network as it is deployed: the DL4J graph configuration (the architecture,
 * after pruning) and every parameter tensor in its compact encoding, plus provenance. Written
 * and read by {@link PackedModelFile}; {@link #toGraph()} rebuilds a network that computes
 * exactly what the compressed network computed.
 *
 * @param configJson DL4J {@link ComputationGraphConfiguration} JSON
 * @param tensors    per DL4J parameter key ({@code layer_W}, {@code layer_b}, ...), its encoding
 * @param provenance where the model came from: learner, settings, seed, dataset hash, versions
 */
public record PackedModel(String configJson, Map<String, TensorEncoding> tensors, Map<String, String> provenance) {
    public PackedModel {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        provenance = Collections.unmodifiableMap(new TreeMap<>(provenance));
    }

    /**
     * Packs {@code graph}: the parameters named in {@code encoded} take that encoding, every other
     * parameter is stored dense.
     *
     * @throws IllegalArgumentException when an encoding names no parameter of {@code graph} or has another shape
     */
    public static PackedModel of(ComputationGraph graph, Map<String, TensorEncoding> encoded,
                                 Map<String, String> provenance) {
        Map<String, INDArray> params = graph.paramTable();
        for (Map.Entry<String, TensorEncoding> e : encoded.entrySet()) {
            INDArray p = params.get(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException("encoding for " + e.getKey() + ", which is no parameter of the "
                        + "network; its parameters are " + params.keySet());
            }
            if (!Arrays.equals(p.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("encoding for " + e.getKey() + " has shape "
                        + Arrays.toString(e.getValue().shape()) + ", the parameter " + Arrays.toString(p.shape()));
            }
        }
        Map<String, TensorEncoding> all = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            TensorEncoding t = encoded.get(e.getKey());
            all.put(e.getKey(), t != null ? t
                    : new DenseTensor(e.getValue().shape(), e.getValue().dup('c').data().asFloat()));
        }
        return new PackedModel(graph.getConfiguration().toJson(), all, provenance);
    }

    /** A new network with this architecture and the decoded parameters, ready for inference. */
    public ComputationGraph toGraph() {
        ComputationGraph g = new ComputationGraph(ComputationGraphConfiguration.fromJson(configJson));
        g.init();
        Map<String, INDArray> params = g.paramTable();
        if (!params.keySet().equals(tensors.keySet())) {
            throw new IllegalArgumentException("packed model holds tensors " + tensors.keySet()
                    + " but its architecture has parameters " + params.keySet());
        }
        for (Map.Entry<String, TensorEncoding> e : tensors.entrySet()) {
            TensorEncoding t = e.getValue();
            INDArray target = params.get(e.getKey());
            if (!Arrays.equals(target.shape(), t.shape())) {
                throw new IllegalArgumentException("tensor " + e.getKey() + " has shape " + Arrays.toString(t.shape())
                        + ", the architecture expects " + Arrays.toString(target.shape()));
            }
            target.assign(Nd4j.create(t.decode(), t.shape(), 'c').castTo(DataType.FLOAT));
        }
        return g;
    }

    /** Bytes of all tensors as stored (headers included, architecture and provenance not). */
    public long tensorBytes() {
        return tensors.values().stream().mapToLong(TensorEncoding::storedBytes).sum();
    }

    /** Per tensor, its encoding's short description. */
    public Map<String, String> encodings() {
        Map<String, String> m = new LinkedHashMap<>();
        tensors.forEach((k, v) -> m.put(k, v.describe()));
        return m;
    }
}
