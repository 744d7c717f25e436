package org.pocketflow.worker.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;

/**
 * Finds the channel groups whose every channel can be cut: a group that only a residual branch
 * carries, ending in an element-wise addition with a shortcut (ResNet's inner block channels,
 * MobileNet-V2's expansion channels). Cutting every channel removes the branch: the vertices whose
 * output is only that group, after them every vertex all of whose inputs are removed (the
 * branch's last convolution and batch norm), and before them every vertex all of whose consumers
 * are removed (a pre-activation block's batch norm and ReLU), leaving the addition with its other operands; an
 * addition left with one operand is removed and its consumers read that operand. The block then
 * computes what it computes with the branch's output at zero: depth pruning, the block-dropping of
 * stochastic depth (Huang et al. 2016) and of Veit et al. (2016, "Residual networks behave like
 * ensembles of relatively shallow networks"), expressed as a channel count of zero.
 *
 * <p>A group is removable only if every vertex that carries or reads it is removed, nothing removed
 * is a network output, and every vertex that loses an input is an addition ({@link
 * ElementWiseVertex.Op#Add}) that is not a network output and keeps at least one operand. Used once
 * by {@link ModelInfo#of}.
 */
final class ResidualBranches {
    private ResidualBranches() {
    }

    /** Per removable group id, the vertices its removal deletes, in topological order. */
    static Map<Integer, List<String>> of(ComputationGraphConfiguration conf, List<String> order,
                                         List<ChannelGroup> groups, Map<String, ChannelLayout> layouts,
                                         Map<String, String> consumed) {
        Map<Integer, List<String>> out = new TreeMap<>();
        for (ChannelGroup g : groups) {
            if (g.prunable()) {
                List<String> gone = removed(conf, order, g, layouts, consumed);
                if (gone != null) {
                    out.put(g.id(), List.copyOf(gone));
                }
            }
        }
        return out;
    }

    private static List<String> removed(ComputationGraphConfiguration conf, List<String> order, ChannelGroup g,
                                        Map<String, ChannelLayout> layouts, Map<String, String> consumed) {
        Set<String> inputs = Set.copyOf(conf.getNetworkInputs());
        Set<String> gone = new LinkedHashSet<>();
        for (String v : order) {
            ChannelLayout l = layouts.get(v);
            if (!inputs.contains(v) && l != null && l.positionCounts().keySet().equals(Set.of(g.id()))) {
                gone.add(v);
            }
        }
        if (gone.isEmpty()) {
            return null;
        }
        Map<String, List<String>> inputsOf = conf.getVertexInputs();
        for (String v : order) {
            List<String> in = inputsOf.getOrDefault(v, List.of());
            if (!inputs.contains(v) && !in.isEmpty() && gone.containsAll(in)) {
                gone.add(v);
            }
        }
        // a pre-activation block's batch norm and ReLU before the branch's first convolution feed only the branch
        Map<String, List<String>> consumersOf = new HashMap<>();
        inputsOf.forEach((v, in) -> in.forEach(x -> consumersOf.computeIfAbsent(x, k -> new ArrayList<>()).add(v)));
        for (int i = order.size() - 1; i >= 0; i--) {
            String v = order.get(i);
            List<String> out = consumersOf.getOrDefault(v, List.of());
            if (!inputs.contains(v) && !conf.getNetworkOutputs().contains(v) && !out.isEmpty()
                    && gone.containsAll(out)) {
                gone.add(v);
            }
        }
        for (String v : order) {
            if (inputs.contains(v)) {
                continue;
            }
            ChannelLayout l = layouts.get(v);
            String read = consumed.get(v);
            boolean touches = l != null && l.contains(g.id())
                    || read != null && layouts.containsKey(read) && layouts.get(read).contains(g.id());
            if (gone.contains(v)) {
                if (conf.getNetworkOutputs().contains(v)) {
                    return null;
                }
                continue;
            }
            if (touches) {
                return null;
            }
            List<String> in = inputsOf.getOrDefault(v, List.of());
            long kept = in.stream().filter(x -> !gone.contains(x)).count();
            if (kept < in.size() && (!isAddition(conf.getVertices().get(v))
                    || conf.getNetworkOutputs().contains(v) && kept < 2)) {
                return null;
            }
        }
        return order.stream().filter(gone::contains).toList();
    }

    private static boolean isAddition(GraphVertex v) {
        return v instanceof ElementWiseVertex e && e.getOp() == ElementWiseVertex.Op.Add;
    }
}
