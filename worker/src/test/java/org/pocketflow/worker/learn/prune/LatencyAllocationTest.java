package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.pocketflow.worker.data.ImageShape;
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
        assertEquals(LatencyAllocation.Runtime.ONNX_RUNTIME, choice.runtime(), "LeNet exports, so it is timed as deployed");
        boolean twoRounds = choice.built() > LatencyAllocation.CONFIRMED + 1;
        assertEquals(choice.candidates().size() + (twoRounds ? 1 : 0), lines.size(), lines.toString());
        assertTrue(!twoRounds || choice.candidates().size() == LatencyAllocation.CONFIRMED + 1, lines.toString());
        assertEquals("uniform", choice.candidates().get(0).name());
        assertTrue(choice.unprunedMillis() > 0 && choice.candidates().stream().allMatch(c -> c.millis() > 0));
        assertTrue(choice.candidates().stream()
                .allMatch(c -> c.millis() * (1 + LatencyAllocation.TIE) >= choice.best().millis()));

        ChannelPruningLearner learner = new ChannelPruningLearner(new L1ChannelSelector(), false, 8);
        List<String> progress = new ArrayList<>();
        Map<String, Double> settings = learner.fastest(g, Networks.MNIST, Budget.macs(0.5), progress::add);
        assertTrue(progress.get(progress.size() - 1).contains("chose"), progress.toString());
        ComputationGraph pruned = learner.compress(g, Networks.MNIST, settings, Budget.macs(0.5)).graph();
        ModelInfo after = ModelInfo.of(pruned, Networks.MNIST);
        assertTrue(after.totalMacs() <= info.totalMacs() / 2, after.totalMacs() + " MACs");
        assertEquals(settings, learner.meetBudget(info, settings, Budget.macs(0.5)), "the chosen settings are kept");
    }

    /**
     * ResNet-20's grid: classes by resolution and sharing, every candidate within the budget and as
     * the learner compresses it (the budget's fill applied, so what is timed is what is deployed), the
     * most MACs first; it holds the kind measured fastest in ONNX Runtime (the 28x28 groups whole,
     * the 14x14 ones at half, the 7x7 ones cut most).
     */
    @Test
    void theGridMeetsTheBudgetAsCompressedAndHoldsTheFirstStageWholeWithTheLaterOnesCut() {
        ModelInfo info = ModelInfo.of(Architecture.RESNET20.factory().create(Networks.MNIST, 10, 1), Networks.MNIST);
        FlopsBudget budget = new FlopsBudget(info, false, 8);
        Map<String, ChannelAllocation> grid = LatencyAllocation.grid(info, budget, 0.5);
        assertTrue(grid.size() >= 20, grid.size() + " grid candidates");
        long previous = Long.MAX_VALUE;
        for (ChannelAllocation a : grid.values()) {
            assertTrue(a.macs() <= 0.5 * info.totalMacs() && a.macs() >= 0.9 * Math.floor(0.5 * info.totalMacs()),
                    a.toString());
            assertTrue(a.macs() <= previous, "the most MACs first");
            previous = a.macs();
            Map<Integer, Double> ratios = new TreeMap<>();
            a.channels().forEach((id, n) -> ratios.put(id, n / (double) info.groups().get(id).channels()));
            assertEquals(a.channels(), budget.allocate(ratios, 0.5).channels(), "compressing keeps the timed counts");
        }
        String wanted = "grid: 784 px shared 1.00 784 px 1.00 196 px 0.50 196 px shared 0.50 49 px 0.25 49 px shared 0.25";
        assertTrue(grid.containsKey(wanted), grid.keySet().toString());
        for (int id : budget.prunableGroups()) {
            ChannelGroup g = info.groups().get(id);
            long[] shape = info.layer(g.producers().get(0)).outputShape();
            int kept = grid.get(wanted).channelsOf(id);
            if (shape[1] * shape[2] == 784) {
                assertEquals(g.channels(), kept, g.name());
            } else if (shape[1] * shape[2] == 196) {
                assertEquals(16, kept, g.name());
            } else {
                assertTrue(kept < g.channels(), g.name() + " keeps " + kept);
            }
        }
        Map<String, ChannelAllocation> all = LatencyAllocation.candidates(info, budget, 0.5);
        var timed = all.values().stream().map(ChannelAllocation::channels).toList();
        assertTrue(grid.values().stream().allMatch(a -> timed.contains(a.channels())), "the grid is part of the candidates");
    }

    /**
     * The grid also removes the last residual branch of a class: such candidates keep no channel of
     * exactly that group (the deepest block of the class), meet the budget as compressed, and the
     * network built for timing has the MACs the budget counted.
     */
    @Test
    void theGridRemovesTheLastResidualBranchOfAClass() {
        ComputationGraph g = Architecture.RESNET20.factory().create(Networks.MNIST, 10, 1);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        FlopsBudget budget = new FlopsBudget(info, true, 8);
        Map<String, ChannelAllocation> grid = LatencyAllocation.grid(info, budget, 0.5);
        java.util.Set<String> removed = new java.util.TreeSet<>();
        int withRemoval = 0;
        for (Map.Entry<String, ChannelAllocation> e : grid.entrySet()) {
            List<String> zero = e.getValue().channels().entrySet().stream().filter(x -> x.getValue() == 0)
                    .map(x -> info.groups().get(x.getKey()).name()).toList();
            zero.forEach(name -> assertTrue(e.getKey().contains("-" + name), e.getKey()));
            removed.addAll(zero);
            withRemoval += zero.isEmpty() ? 0 : 1;
        }
        assertEquals(java.util.Set.of("s1b3_a_conv", "s2b3_a_conv", "s3b3_a_conv"), removed);
        assertTrue(withRemoval > 0 && withRemoval < grid.size(), withRemoval + " of " + grid.size());
        ChannelAllocation a = grid.values().stream().filter(x -> x.channels().containsValue(0)).findFirst().orElseThrow();
        assertEquals(a.macs(), ModelInfo.of(LatencyAllocation.timingCopy(g, info, a), Networks.MNIST).totalMacs());
    }

    /**
     * Too many (resolution, sharing) classes for the grid's cap: classes by resolution alone, and no
     * grid when even those are too many. ImageNet's ResNet-18 at 224x224 (7 classes) gets one within budget.
     */
    @Test
    void aGridWithTooManyClassesFallsBackToResolutionAlone() {
        ModelInfo info = ModelInfo.of(Architecture.RESNET20.factory().create(Networks.MNIST, 10, 1), Networks.MNIST);
        FlopsBudget budget = new FlopsBudget(info, false, 8);
        Map<String, ChannelAllocation> byResolution = LatencyAllocation.grid(info, budget, 0.5, 1024);
        assertTrue(!byResolution.isEmpty() && byResolution.keySet().stream().noneMatch(n -> n.contains("shared")),
                byResolution.keySet().toString());
        assertTrue(LatencyAllocation.grid(info, budget, 0.5, 16).isEmpty(), "3 classes are 64 combinations");

        ImageShape imagenet = new ImageShape(3, 224, 224);
        ModelInfo resnet18 = ModelInfo.of(Architecture.RESNET18.factory().create(imagenet, 1000, 1), imagenet);
        Map<String, ChannelAllocation> grid = LatencyAllocation.grid(resnet18, new FlopsBudget(resnet18, true, 8), 0.5);
        assertTrue(!grid.isEmpty() && grid.values().stream().allMatch(a -> a.macs() <= 0.5 * resnet18.totalMacs()),
                grid.size() + " candidates");
    }

    @Test
    void timesInDl4jWhenAskedCutsASlowSecondRoundAndPrefersMoreMacsOnANearTie() {
        ComputationGraph g = Networks.create(Architecture.LENET, 6);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        LatencyAllocation.Choice choice = LatencyAllocation.choose(g, Networks.MNIST, new FlopsBudget(info, false, 8),
                0.5, 1, 2, LatencyAllocation.Runtime.DL4J, s -> { });
        assertEquals(LatencyAllocation.Runtime.DL4J, choice.runtime());
        assertTrue(choice.candidates().stream().allMatch(c -> c.millis() > 0));

        List<String> lines = new ArrayList<>();
        LatencyAllocation.choose(g, Networks.MNIST, new FlopsBudget(info, false, 8), 0.5, 20, 50,
                LatencyAllocation.Runtime.ONNX_RUNTIME, 0.0, lines::add);
        assertTrue(lines.stream().anyMatch(l -> l.contains(LatencyAllocation.MIN_ROUNDS + " timed rounds instead of 50")),
                "a second round that would take too long is cut to the fewest rounds: " + lines);

        ChannelAllocation few = new ChannelAllocation(Map.of(0, 8), 100, 1000, 0.5);
        ChannelAllocation many = new ChannelAllocation(Map.of(0, 16), 400, 1000, 0.5);
        ChannelAllocation most = new ChannelAllocation(Map.of(0, 24), 500, 1000, 0.5);
        LatencyAllocation.Choice tie = new LatencyAllocation.Choice(List.of(
                new LatencyAllocation.Candidate("few", few, 10.0),
                new LatencyAllocation.Candidate("many", many, 10.2),
                new LatencyAllocation.Candidate("most", most, 10.5)), 20.0, LatencyAllocation.Runtime.DL4J, 3, 3);
        assertEquals("many", tie.best().name(), "within 3% of the fastest, the one with the most MACs");
        assertEquals(20.0 / 10.2, tie.speedUp(), 1e-12);
    }

    /** A vertex the ONNX export has no mapping for: the candidates are timed in DL4J, and the progress says why. */
    @Test
    void aNetworkWithoutAnOnnxExportIsTimedInDl4j() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).graphBuilder()
                .addInputs("input")
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(16).activation(Activation.RELU).build(),
                        "input")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(32).activation(Activation.RELU).build(),
                        "conv1")
                .addLayer("conv3", new ConvolutionLayer.Builder(3, 3).nOut(16).activation(Activation.RELU).build(),
                        "conv2")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv3")
                .addVertex("l2", new L2NormalizeVertex(), "gap")
                .addLayer("output", new OutputLayer.Builder().nOut(10).activation(Activation.SOFTMAX).build(), "l2")
                .setOutputs("output").setInputTypes(InputType.convolutionalFlat(28, 28, 1)).build());
        g.init();
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        List<String> lines = new ArrayList<>();
        LatencyAllocation.Choice choice = LatencyAllocation.choose(g, Networks.MNIST, new FlopsBudget(info, false, 8),
                0.5, 1, 2, lines::add);
        assertEquals(LatencyAllocation.Runtime.DL4J, choice.runtime());
        assertTrue(lines.get(0).contains("no ONNX export") && lines.get(0).contains("l2"), lines.get(0));
        assertTrue(choice.best().allocation().macs() <= 0.5 * info.totalMacs());
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
