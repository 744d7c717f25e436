package org.pocketflow.worker.train;

import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Predicate;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.BaseLayer;

/**
 * Puts a subclass of a DL4J layer in place of the layer a graph created ({@link DenseReluBackprop},
 * {@link SoftmaxScoreOnce}): the new layer takes the old one's configuration object, parameter and
 * gradient views, listeners and counters, and replaces it in the graph's vertex and layer list.
 */
final class LayerSwap {
    private LayerSwap() {
    }

    /** Gives {@code fresh}, made from {@code old}'s configuration, the rest of {@code old}'s state. */
    static void adopt(BaseLayer<?> fresh, BaseLayer<?> old) {
        fresh.setListeners(old.getListeners());
        fresh.setIndex(old.getIndex());
        fresh.setParamsViewArray(old.params());
        fresh.setParamTable(old.paramTable());
        if (old.getGradientsViewArray() != null) { // else the graph lays them out at its first gradient
            fresh.setBackpropGradientsViewArray(old.getGradientsViewArray());
        }
        fresh.setIterationCount(old.getIterationCount());
        fresh.setEpochCount(old.getEpochCount());
    }

    /**
     * Puts {@code make(layer)} in place of every layer of {@code graph} whose class is exactly
     * {@code type} and that {@code covers} accepts.
     *
     * @return how many layers of the graph are now of class {@code swapped}
     */
    static <L extends BaseLayer<?>> int install(ComputationGraph graph, Class<L> type, Predicate<LayerVertex> covers,
                                                Function<L, ? extends BaseLayer<?>> make, Class<?> swapped) {
        for (GraphVertex v : graph.getVertices()) {
            if (v instanceof LayerVertex lv && lv.getLayer().getClass() == type && covers.test(lv)) {
                put(graph, lv, make.apply(type.cast(lv.getLayer())));
            }
        }
        return (int) Arrays.stream(graph.getLayers()).filter(swapped::isInstance).count();
    }

    /** Whether any layer of {@code graph} is of class {@code swapped}. */
    static boolean usedBy(ComputationGraph graph, Class<?> swapped) {
        return Arrays.stream(graph.getLayers()).anyMatch(swapped::isInstance);
    }

    /** Makes {@code fresh} the layer of {@code vertex} in {@code graph}. */
    static void put(ComputationGraph graph, LayerVertex vertex, BaseLayer<?> fresh) {
        fresh.setCacheMode(graph.getConfiguration().getCacheMode());
        Layer[] layers = graph.getLayers();
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] == vertex.getLayer()) {
                layers[i] = fresh;
            }
        }
        vertex.setLayer(fresh);
    }
}
