package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

class LatencyAllocationTest {
    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void candidatesAreDistinctMeetTheBudgetAndIncludeUniformAndHighResolutionWhole(Architecture arch) {
        ModelInfo info = ModelInfo.of(arch.factory().create(Networks.MNIST, 10, 1), Networks.MNIST);
        for (boolean keepFirst : new boolean[]{true, false}) {
            FlopsBudget budget = new FlopsBudget(info, keepFirst, 8);
            Map<String, ChannelAllocation> c = LatencyAllocation.candidates(info, budget, 0.5);
            List<String> names = new ArrayList<>(c.keySet());
            assertEquals("uniform", names.get(0));
            assertEquals(budget.allocate(budget.uniformRatios(0.5), 0.5).channels(), c.get("uniform").channels());
            assertEquals(c.size(), new HashSet<>(c.values().stream().map(ChannelAllocation::channels).toList()).size(),
                    "timed once per distinct allocation: " + c);
            // LeNet with conv1 whole leaves one free choice: conv2 at 0.5 is what uniform does, more breaks the budget
            boolean oneChoice = arch == Architecture.LENET && keepFirst;
            assertTrue(c.size() >= (oneChoice ? 1 : 2), arch + " keepFirst=" + keepFirst + ": " + c.keySet());
            for (ChannelAllocation a : c.values()) {
                assertTrue(a.macs() <= 0.5 * info.totalMacs(), a.toString());
            }
        }
    }

    /** ResNet-20 with the first group kept: one candidate keeps every 28x28 group whole and prunes the later stages. */
    @Test
    void resnetHasACandidateThatKeepsTheFirstStageWhole() {
        ModelInfo info = ModelInfo.of(Architecture.RESNET20.factory().create(Networks.MNIST, 10, 1), Networks.MNIST);
        FlopsBudget budget = new FlopsBudget(info, true, 8);
        ChannelAllocation a = LatencyAllocation.candidates(info, budget, 0.5).get("outputs >= 784 px at 1.00, rest filled");
        assertTrue(a != null, LatencyAllocation.candidates(info, budget, 0.5).keySet().toString());
        for (int id : budget.prunableGroups()) {
            ChannelGroup g = info.groups().get(id);
            long[] shape = info.layer(g.producers().get(0)).outputShape();
            if (shape.length == 3 && shape[1] * shape[2] == 784) {
                assertEquals(g.channels(), (long) a.channelsOf(id), "group " + id);
            }
        }
    }

    @Test
    void choosesTheFastestMeasuredCandidateAndTheLearnerCompressesToIt() {
        ComputationGraph g = Networks.create(Architecture.LENET, 5);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        List<String> lines = new ArrayList<>();
        LatencyAllocation.Choice choice = LatencyAllocation.choose(g, Networks.MNIST, new FlopsBudget(info, false, 8),
                0.5, 1, 3, lines::add);
        assertEquals(choice.candidates().size(), lines.size());
        assertTrue(choice.unprunedMillis() > 0 && choice.candidates().stream().allMatch(c -> c.millis() > 0));
        assertTrue(choice.candidates().stream().allMatch(c -> c.millis() >= choice.best().millis()));

        ChannelPruningLearner learner = new ChannelPruningLearner(new L1ChannelSelector(), false, 8);
        List<String> progress = new ArrayList<>();
        Map<String, Double> settings = learner.fastest(g, Networks.MNIST, Budget.macs(0.5), progress::add);
        assertTrue(progress.get(progress.size() - 1).contains("chose"), progress.toString());
        ComputationGraph pruned = learner.compress(g, Networks.MNIST, settings, Budget.macs(0.5)).graph();
        ModelInfo after = ModelInfo.of(pruned, Networks.MNIST);
        assertTrue(after.totalMacs() <= info.totalMacs() / 2, after.totalMacs() + " MACs");
        assertEquals(settings, learner.meetBudget(info, settings, Budget.macs(0.5)), "the chosen settings are kept");
    }

    @Test
    void rejectsNoTimedRounds() {
        ComputationGraph g = Networks.create(Architecture.LENET, 5);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LatencyAllocation.choose(g,
                Networks.MNIST, new FlopsBudget(info), 0.5, 0, 0, s -> { }));
        assertTrue(e.getMessage().contains("iterations >= 1"), e.getMessage());
    }
}
