package org.pocketflow.worker.learn;

import java.util.List;

import org.pocketflow.worker.learn.prune.ChannelPruningLearner;
import org.pocketflow.worker.learn.prune.L1ChannelSelector;
import org.pocketflow.worker.learn.quant.NonUniformQuantLearner;
import org.pocketflow.worker.learn.quant.UniformQuantLearner;
import org.pocketflow.worker.learn.sparse.WeightSparsityLearner;

/** The learners by configuration name ({@code pocketflow.learn.algorithm}). */
public final class LearnerCatalog {
    /** Every name {@link #create} knows. */
    public static final List<String> NAMES = List.of("channel-pruning", "weight-sparsity", "uniform-quant",
            "nonuniform-quant", "channel-pruning+uniform-quant", "channel-pruning+nonuniform-quant");

    private LearnerCatalog() {
    }

    /**
     * The learner called {@code name}.
     *
     * @param keepFirstConv channel pruning keeps the first convolution's group whole
     */
    public static Learner create(String name, boolean keepFirstConv) {
        ChannelPruningLearner prune = new ChannelPruningLearner(new L1ChannelSelector(), keepFirstConv);
        return switch (name) {
            case "channel-pruning" -> prune;
            case "weight-sparsity" -> new WeightSparsityLearner();
            case "uniform-quant" -> new UniformQuantLearner();
            case "nonuniform-quant" -> new NonUniformQuantLearner();
            case "channel-pruning+uniform-quant" -> new ChainLearner(prune, new UniformQuantLearner());
            case "channel-pruning+nonuniform-quant" -> new ChainLearner(prune, new NonUniformQuantLearner());
            default -> throw new IllegalArgumentException("unknown learner " + name + "; known: " + NAMES);
        };
    }
}
