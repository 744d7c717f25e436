package org.pocketflow.worker.learn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.learn.prune.ChannelPruningLearner;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Channel pruning followed by another learner (quantization or sparsity) as one candidate: the
 * network is pruned, the second learner compresses the smaller network, and one fine-tuning run
 * serves both (pruning needs no hook, so the second learner's hook alone is in force).
 *
 * <p>Knobs are the two learners' knobs with their names prefixed {@code <learner>:}. The budget
 * must carry both parts (e.g. a MAC fraction and average bits). {@link #meetBudget} estimates the
 * second part on the unpruned network; {@link #compress} meets it exactly on the pruned one.
 */
public final class ChainLearner implements Learner {
    private final ChannelPruningLearner prune;
    private final Learner then;

    /** Pruning with {@code prune}, then {@code then} (which must not prune channels itself). */
    public ChainLearner(ChannelPruningLearner prune, Learner then) {
        if (then instanceof ChannelPruningLearner || then instanceof ChainLearner) {
            throw new IllegalArgumentException("a chain is channel pruning followed by quantization or sparsity, "
                    + "not " + then.name());
        }
        this.prune = prune;
        this.then = then;
    }

    @Override
    public String name() {
        return prune.name() + "+" + then.name();
    }

    @Override
    public List<Knob> knobs(ModelInfo info) {
        List<Knob> out = new ArrayList<>();
        for (Knob k : prune.knobs(info)) {
            out.add(prefixed(prune, k));
        }
        for (Knob k : then.knobs(info)) {
            out.add(prefixed(then, k));
        }
        return out;
    }

    @Override
    public Map<String, Double> meetBudget(ModelInfo info, Map<String, Double> preferred, Budget budget) {
        Map<String, Double> out = prefix(prune, prune.meetBudget(info, part(prune, preferred), budget));
        out.putAll(prefix(then, then.meetBudget(info, part(then, preferred), budget)));
        return out;
    }

    @Override
    public Map<String, Double> uniform(ModelInfo info, Budget budget) {
        Map<String, Double> out = prefix(prune, prune.uniform(info, budget));
        out.putAll(prefix(then, then.uniform(info, budget)));
        return out;
    }

    /** The pruning part timed ({@link ChannelPruningLearner#fastest}), the second part uniform. */
    @Override
    public Map<String, Double> fastest(ComputationGraph graph, ImageShape shape, Budget budget,
                                       Consumer<String> progress) {
        Map<String, Double> out = prefix(prune, prune.fastest(graph, shape, budget, progress));
        out.putAll(prefix(then, then.uniform(ModelInfo.of(graph, shape), budget)));
        return out;
    }

    @Override
    public Compression compress(ComputationGraph graph, ImageShape shape, Map<String, Double> settings,
                                Budget budget) {
        Compression first = prune.compress(graph, shape, part(prune, settings), budget);
        Compression second = then.compress(first.graph(), shape, part(then, settings), budget);
        Map<String, Double> used = prefix(prune, first.settings());
        used.putAll(prefix(then, second.settings()));
        List<String> notes = new ArrayList<>(first.notes());
        notes.addAll(second.notes());
        return new Compression(second.graph(), second.hook(), second.encoder(), used, notes);
    }

    private static Knob prefixed(Learner l, Knob k) {
        return new Knob(l.name() + ":" + k.name(), k.lo(), k.hi(), k.integer(), k.features());
    }

    private static Map<String, Double> prefix(Learner l, Map<String, Double> m) {
        Map<String, Double> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(l.name() + ":" + k, v));
        return out;
    }

    /** The settings addressed to {@code l}, prefix removed; unprefixed keys are errors. */
    private Map<String, Double> part(Learner l, Map<String, Double> settings) {
        Map<String, Double> out = new LinkedHashMap<>();
        String p = l.name() + ":";
        for (Map.Entry<String, Double> e : settings.entrySet()) {
            if (e.getKey().startsWith(p)) {
                out.put(e.getKey().substring(p.length()), e.getValue());
            } else if (!e.getKey().startsWith(prune.name() + ":") && !e.getKey().startsWith(then.name() + ":")) {
                throw new IllegalArgumentException(name() + " setting " + e.getKey() + " names no stage. Fix: prefix it "
                        + "with " + prune.name() + ": or " + then.name() + ":");
            }
        }
        return out;
    }
}
