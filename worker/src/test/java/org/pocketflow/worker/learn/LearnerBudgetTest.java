package org.pocketflow.worker.learn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.learn.prune.ChannelPruningLearner;
import org.pocketflow.worker.learn.quant.NonUniformQuantLearner;
import org.pocketflow.worker.learn.quant.UniformQuantLearner;
import org.pocketflow.worker.learn.sparse.WeightSparsityLearner;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ModelInfo;

/** Every learner meets its budget by construction, over many random preferences, on every zoo network. */
class LearnerBudgetTest {
    private static final ImageShape MNIST = new ImageShape(1, 28, 28);

    private static Map<String, Double> random(List<Knob> knobs, SplittableRandom r) {
        Map<String, Double> m = new HashMap<>();
        for (Knob k : knobs) {
            double v = k.lo() + r.nextDouble() * (k.hi() - k.lo());
            m.put(k.name(), k.integer() ? Math.rint(v) : v);
        }
        return m;
    }

    private static double weighted(Map<String, Double> settings, ModelInfo info) {
        Map<String, Long> sizes = WeightTensor.weightsPerLayer(info);
        double sum = 0;
        long total = 0;
        for (var e : settings.entrySet()) {
            sum += e.getValue() * sizes.get(e.getKey());
            total += sizes.get(e.getKey());
        }
        return sum / total;
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void quantizersMeetTheAverageBitsBudgetForAnyPreference(Architecture arch) {
        ModelInfo info = ModelInfo.of(arch.factory().create(MNIST, 10, 1), MNIST);
        SplittableRandom r = new SplittableRandom(arch.ordinal());
        for (Learner l : new Learner[]{new UniformQuantLearner(), new NonUniformQuantLearner()}) {
            List<Knob> knobs = l.knobs(info);
            assertEquals(WeightTensor.weightsPerLayer(info).keySet(), knobs.stream().map(Knob::name)
                    .collect(java.util.stream.Collectors.toSet()));
            for (int i = 0; i < 200; i++) {
                double budget = 2 + r.nextDouble() * 6;
                Map<String, Double> bits = l.meetBudget(info, random(knobs, r), Budget.bits(budget));
                assertTrue(weighted(bits, info) <= budget + 1e-9, "average " + weighted(bits, info) + " > " + budget);
                bits.values().forEach(b -> assertTrue(b >= 2 && b <= 8 && b == Math.rint(b), "bits " + b));
            }
            Map<String, Double> four = l.uniform(info, Budget.bits(4));
            four.values().forEach(b -> assertEquals(4.0, b));
        }
    }

    @Test
    void bitsBelowTheBudgetAreRaisedAndThePreferencesShapeIsKept() {
        ModelInfo info = ModelInfo.of(Architecture.LENET.factory().create(MNIST, 10, 1), MNIST);
        Learner l = new UniformQuantLearner();
        Map<String, Double> low = l.meetBudget(info, Map.of("conv1", 2.0, "conv2", 2.0, "fc1", 2.0, "output", 2.0),
                Budget.bits(6));
        double avg = weighted(low, info);
        assertTrue(avg <= 6 + 1e-9 && avg > 5.9, "a cautious proposal should still spend the budget: " + avg + " " + low);
        Map<String, Double> shaped = l.meetBudget(info, Map.of("conv1", 8.0, "conv2", 2.0, "fc1", 5.0, "output", 8.0),
                Budget.bits(4));
        assertTrue(weighted(shaped, info) <= 4 + 1e-9);
        assertTrue(shaped.get("conv1") > shaped.get("conv2") && shaped.get("output") > shaped.get("fc1"),
                "the proposal's order survives: " + shaped);
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void sparsityMeetsItsTargetForAnyPreference(Architecture arch) {
        ModelInfo info = ModelInfo.of(arch.factory().create(MNIST, 10, 1), MNIST);
        Learner l = new WeightSparsityLearner();
        SplittableRandom r = new SplittableRandom(7 + arch.ordinal());
        for (int i = 0; i < 200; i++) {
            double target = r.nextDouble() * 0.95;
            Map<String, Double> s = l.meetBudget(info, random(l.knobs(info), r), Budget.sparse(target));
            assertEquals(target, weighted(s, info), 1e-6);
            s.values().forEach(v -> assertTrue(v >= 0 && v <= 0.99));
        }
        l.uniform(info, Budget.sparse(0.75)).values().forEach(v -> assertEquals(0.75, v, 1e-9));
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void channelPruningMeetsTheMacBudgetForAnyPreference(Architecture arch) {
        ComputationGraph g = arch.factory().create(MNIST, 10, 1);
        ModelInfo info = ModelInfo.of(g, MNIST);
        Learner l = new ChannelPruningLearner();
        SplittableRandom r = new SplittableRandom(11 + arch.ordinal());
        for (int i = 0; i < 20; i++) {
            double target = 0.3 + r.nextDouble() * 0.6;
            Map<String, Double> ratios = l.meetBudget(info, random(l.knobs(info), r), Budget.macs(target));
            Compression c = l.compress(g, MNIST, ratios, Budget.macs(target));
            ModelInfo after = ModelInfo.of(c.graph(), MNIST);
            assertTrue(after.totalMacs() <= target * info.totalMacs(), after.totalMacs() + " MACs over " + target);
            assertEquals(ratios, c.settings());
        }
    }

    @Test
    void chainMeetsBothBudgetsOnThePrunedNetwork() {
        ComputationGraph g = Architecture.LENET.factory().create(MNIST, 10, 1);
        ModelInfo info = ModelInfo.of(g, MNIST);
        ChainLearner chain = new ChainLearner(new ChannelPruningLearner(), new UniformQuantLearner());
        Budget budget = new Budget(0.5, 4, Double.NaN);
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 5; i++) {
            Compression c = chain.compress(g, MNIST, random(chain.knobs(info), r), budget);
            ModelInfo after = ModelInfo.of(c.graph(), MNIST);
            assertTrue(after.totalMacs() <= 0.5 * info.totalMacs());
            Map<String, Double> bits = new HashMap<>();
            c.settings().forEach((k, v) -> {
                if (k.startsWith("uniform-quant:")) {
                    bits.put(k.substring("uniform-quant:".length()), v);
                }
            });
            assertTrue(weighted(bits, after) <= 4 + 1e-9, "average bits on the pruned network " + weighted(bits, after));
        }
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> chain.meetBudget(info, Map.of("conv2", 0.5), budget)).getMessage().contains("prefix"));
    }

    @Test
    void badSettingsAndUnreachableBudgetsAreRejectedWithTheFix() {
        ModelInfo info = ModelInfo.of(Architecture.LENET.factory().create(MNIST, 10, 1), MNIST);
        String m = assertThrows(IllegalArgumentException.class, () -> new UniformQuantLearner()
                .meetBudget(info, Map.of("conv2", 12.0), Budget.bits(4))).getMessage();
        assertTrue(m.contains("conv2 = 12.0") && m.contains("[2, 8]"), m);
        m = assertThrows(IllegalArgumentException.class, () -> new UniformQuantLearner()
                .meetBudget(info, Map.of(), Budget.bits(1.5))).getMessage();
        assertTrue(m.contains("raise pocketflow.learn.average-bits"), m);
        m = assertThrows(IllegalArgumentException.class, () -> new ChannelPruningLearner()
                .meetBudget(info, Map.of("conv2", 1.5), Budget.macs(0.5))).getMessage();
        assertTrue(m.contains("conv2 = 1.5"), m);
        m = assertThrows(IllegalArgumentException.class, () -> new ChannelPruningLearner()
                .meetBudget(info, Map.of(), Budget.macs(0.01))).getMessage();
        assertTrue(m.contains("smallest reachable"), m);
        m = assertThrows(IllegalArgumentException.class, () -> new ChannelPruningLearner()
                .meetBudget(info, Map.of(), Budget.bits(4))).getMessage();
        assertTrue(m.contains("needs a FLOPs budget"), m);
        assertThrows(IllegalArgumentException.class, () -> Budget.macs(0));
        assertThrows(IllegalArgumentException.class, () -> Budget.macs(1.2));
        assertThrows(IllegalArgumentException.class, () -> Budget.bits(17));
        assertThrows(IllegalArgumentException.class, () -> new UniformQuantLearner(0, 8));
        assertThrows(IllegalArgumentException.class, () -> new NonUniformQuantLearner(2, 17));
    }
}
