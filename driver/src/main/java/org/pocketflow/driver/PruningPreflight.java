package org.pocketflow.driver;

import java.util.List;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.conf.DataKeys;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.LearnKeys;
import org.pocketflow.conf.ModelKeys;
import org.pocketflow.worker.learn.prune.ChannelPruningLearner;
import org.pocketflow.worker.learn.prune.L1ChannelSelector;
import org.pocketflow.worker.model.ModelFiles;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Refuses, before any Spark work, a channel-pruning job whose MAC target the user's model cannot
 * reach: a model given by {@code pocketflow.model.path} may hold layers or vertices channel
 * surgery cannot follow (reshapes, subsets, custom layers), whose groups stay whole, so the
 * smallest reachable fraction can lie above the target. The line names the key, the value, the
 * layers left whole and the smallest reachable fraction.
 *
 * <p>Only a given model is checked (the zoo architectures reach any sensible target); a model or
 * data folder that cannot be read is left to the other checks and the job itself.
 */
final class PruningPreflight {
    private PruningPreflight() {
    }

    /** The problem with the job's MAC target, if any. */
    static List<String> problems(JobConfig config) {
        String model = config.get(ModelKeys.PATH);
        if (!config.get(LearnKeys.ALGORITHM).startsWith("channel-pruning") || model.isEmpty()
                || !RunDirectory.pathExists(model) || !RunDirectory.pathExists(config.get(DataKeys.URI))) {
            return List.of();
        }
        ModelInfo info;
        try {
            ComputationGraph graph = ModelFiles.load(model);
            info = ModelInfo.of(graph, BaselineRequests.shape(config));
        } catch (RuntimeException unreadable) {
            return List.of();
        }
        double target = config.get(LearnKeys.MAC_FRACTION);
        String why = new ChannelPruningLearner(new L1ChannelSelector(), config.get(LearnKeys.KEEP_FIRST_CONV),
                config.get(LearnKeys.CHANNEL_MULTIPLE)).unreachable(info, target);
        return why == null ? List.of() : List.of(LearnKeys.MAC_FRACTION.name() + " = " + target + " (model " + model
                + "): " + why);
    }
}
