package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.ChainLearner;
import org.pocketflow.worker.learn.Compression;
import org.pocketflow.worker.learn.Knob;
import org.pocketflow.worker.learn.quant.UniformQuantLearner;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/** {@link ChannelPruningLearner}, chains and latency allocation on networks the zoo has never seen. */
class ConcatPruningLearnerTest {
    private static final INDArray IMAGES = Networks.input(16, 41);

    private static List<ChannelSelector> selectors() {
        INDArray labels = Nd4j.eye(10).getRows(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5);
        return List.of(new L1ChannelSelector(), new LassoChannelSelector(IMAGES, 3, 4, true),
                new DcpChannelSelector(IMAGES, labels, 3, 4, DcpChannelSelector.DEFAULT_WEIGHT));
    }

    @ParameterizedTest
    @EnumSource(UserNetworks.Kind.class)
    void everySelectorsLearnerMeetsAPreferredAllocationOnAConcatNetwork(UserNetworks.Kind kind) {
        ComputationGraph g = UserNetworks.create(kind, 42);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        for (ChannelSelector selector : selectors()) {
            ChannelPruningLearner learner = new ChannelPruningLearner(selector, false, FlopsBudget.ANY_COUNT);
            List<Knob> knobs = learner.knobs(info);
            assertEquals(knobs.size(), knobs.stream().map(Knob::name).distinct().count(), "knob names are unique");
            assertTrue(knobs.stream().anyMatch(k -> k.name().equals("b1")) && knobs.stream().anyMatch(k -> k.name()
                    .equals("b2")), knobs.toString());
            Map<String, Double> preferred = new HashMap<>();
            knobs.forEach(k -> preferred.put(k.name(), k.name().equals("b2") ? 0.3 : 0.8));
            Map<String, Double> settings = learner.meetBudget(info, preferred, Budget.macs(0.5));
            Compression c = learner.compress(g, Networks.MNIST, settings, Budget.macs(0.5));
            ModelInfo after = ModelInfo.of(c.graph(), Networks.MNIST);
            assertTrue(after.totalMacs() <= 0.5 * info.totalMacs(), selector.name() + ": " + after.totalMacs());
            long branches = 0;
            for (String b : List.of("b1", "b2", "b3")) {
                if (settings.containsKey(b)) {
                    branches += Math.round(settings.get(b) * info.group(b).channels());
                }
            }
            assertEquals(branches, after.layer("cat").channels(), selector.name() + " " + settings);
            assertTrue(c.notes().isEmpty(), c.notes().toString());
        }
    }

    @Test
    void pruneThenQuantizeChainsOnTheUsersNetwork() {
        ComputationGraph g = UserNetworks.create(UserNetworks.Kind.INCEPTION_RESIDUAL, 43);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        ChainLearner chain = new ChainLearner(new ChannelPruningLearner(new L1ChannelSelector(), false, 1),
                new UniformQuantLearner());
        Budget budget = new Budget(0.5, 8, Double.NaN);
        Compression c = chain.compress(g, Networks.MNIST, chain.uniform(info, budget), budget);
        c.hook().finish(c.graph());
        assertTrue(ModelInfo.of(c.graph(), Networks.MNIST).totalMacs() <= 0.5 * info.totalMacs());
        assertTrue(c.encodings(c.graph()).keySet().stream().anyMatch(k -> k.startsWith("b2_")), c.encodings(c.graph())
                .keySet().toString());
    }

    @Test
    void latencyCandidatesOfAConcatNetworkMeetTheBudgetAndBuild() {
        ComputationGraph g = UserNetworks.create(UserNetworks.Kind.INCEPTION_RESIDUAL, 44);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        FlopsBudget budget = new FlopsBudget(info, false, 8);
        Map<String, ChannelAllocation> candidates = LatencyAllocation.candidates(info, budget, 0.5);
        assertTrue(candidates.containsKey("uniform"), candidates.keySet().toString());
        LatencyAllocation.Choice choice = LatencyAllocation.choose(g, Networks.MNIST, budget, 0.5, 1, 2, line -> { });
        assertEquals(candidates.size(), choice.built());
        assertTrue(choice.candidates().size() <= Math.min(candidates.size(), LatencyAllocation.CONFIRMED + 1));
        for (ChannelAllocation a : candidates.values()) {
            ComputationGraph copy = LatencyAllocation.timingCopy(g, info, a);
            assertEquals(a.macs(), ModelInfo.of(copy, Networks.MNIST).totalMacs(), a.toString());
            assertTrue(a.macs() <= 0.5 * info.totalMacs());
        }
    }

    @Test
    void anUnsupportedVertexLeavesItsGroupWholeTheOthersMeetTheBudgetAndTheReportSaysWhy() {
        ComputationGraph g = UserNetworks.withSubset(45);
        ModelInfo info = ModelInfo.of(g, Networks.MNIST);
        ChannelGroup pw = info.group("pw");
        ChannelPruningLearner learner = new ChannelPruningLearner(new L1ChannelSelector(), false, 1);
        assertTrue(learner.knobs(info).stream().noneMatch(k -> k.name().equals("pw")));
        Map<String, Double> settings = learner.uniform(info, Budget.macs(0.5));
        Compression c = learner.compress(g, Networks.MNIST, settings, Budget.macs(0.5));
        ModelInfo after = ModelInfo.of(c.graph(), Networks.MNIST);
        assertEquals(pw.channels(), after.layer("pw").channels(), "pw is left whole");
        assertTrue(after.totalMacs() <= 0.5 * info.totalMacs() && after.totalMacs() > 0.45 * info.totalMacs());
        assertEquals(1, c.notes().size(), c.notes().toString());
        String note = c.notes().get(0);
        assertTrue(note.contains("pw") && note.contains("sub") && note.contains("SubsetVertex"), note);

        ComputationGraph lrn = UserNetworks.withUnknownLayer(46);
        PrunedNetwork p = new ChannelPruning(new L1ChannelSelector(), false).pruneUniform(lrn, Networks.MNIST, 0.5);
        assertTrue(p.report().macFraction() <= 0.5, "MAC fraction " + p.report().macFraction());
        assertEquals(32, ModelInfo.of(p.graph(), Networks.MNIST).layer("stem").channels());
        assertTrue(p.report().notes().get(0).contains("lrn (LocalResponseNormalization)"), p.report().notes().toString());
    }

    @Test
    void keepingTheFirstConvolutionWholeKeepsEveryGroupItsOutputHolds() {
        ModelInfo info = ModelInfo.of(UserNetworks.create(UserNetworks.Kind.INCEPTION_RESIDUAL, 48), Networks.MNIST);
        List<Integer> free = new FlopsBudget(info, true).prunableGroups();
        assertTrue(!free.contains(info.group("b1").id()) && !free.contains(info.group("b2").id()), free.toString());
        assertTrue(free.contains(info.group("pw").id()));
        String why = new ChannelPruningLearner().unreachable(info, 0.5);
        assertTrue(why.contains("set pocketflow.learn.keep-first-conv = false"), why);
        assertNull(new ChannelPruningLearner(new L1ChannelSelector(), false, 1).unreachable(info, 0.5));
    }

    @Test
    void anUnreachableBudgetIsRefusedNamingTheLayersLeftWholeAndTheSmallestFraction() {
        ModelInfo info = ModelInfo.of(UserNetworks.withSubset(47), Networks.MNIST);
        ChannelPruningLearner learner = new ChannelPruningLearner();
        double min = new FlopsBudget(info).minimumFraction();
        assertNull(learner.unreachable(info, min + 1e-6));
        String why = learner.unreachable(info, 0.05);
        assertTrue(why.contains(String.format("%.4f", min)) && why.contains("pw") && why.contains("sub")
                && why.contains("pocketflow.learn.mac-fraction"), why);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> learner.uniform(info, Budget.macs(0.05)));
        assertEquals(why, e.getMessage());
    }
}
