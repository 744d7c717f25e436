package org.pocketflow.worker.learn.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

class FlopsBudgetTest {
    /** How far below the target an allocation may land: about one channel's worth of MACs (0.2% seen). */
    private static final double UNDERSHOOT = 0.01;

    private static ModelInfo info(Architecture arch) {
        return ModelInfo.of(arch.factory().create(Networks.MNIST, 10, 1), Networks.MNIST);
    }

    /**
     * A ratio of 0 removes a residual branch whatever the budget; the other groups still meet it,
     * taking the MACs the branch leaves; the cost model counts nothing for the whole branch (its
     * second convolution, whose output channels are another group's, included).
     */
    @Test
    void aZeroRatioRemovesAResidualBranchAndTheOthersMeetTheBudget() {
        ModelInfo info = info(Architecture.RESNET20);
        FlopsBudget budget = new FlopsBudget(info, true, 8);
        int s1b3 = info.group("s1b3_a_conv").id();
        Map<Integer, Double> ratios = new HashMap<>(budget.uniformRatios(0.5));
        ChannelAllocation uniform = budget.allocate(ratios, 0.5);
        ratios.put(s1b3, 0.0);
        ChannelAllocation removed = budget.allocate(ratios, 0.5);
        assertEquals(0, removed.channelsOf(s1b3));
        assertTrue(removed.macs() <= 0.5 * info.totalMacs() && removed.macFraction() >= 0.5 - UNDERSHOOT,
                removed.toString());
        assertTrue(removed.channels().entrySet().stream().filter(e -> e.getKey() != s1b3)
                .allMatch(e -> e.getValue() >= uniform.channelsOf(e.getKey())), "the others keep at least as much");
        long branch = info.branch(s1b3).stream().mapToLong(v -> info.layer(v).macs()).sum();
        assertEquals(2L * 28 * 28 * 9 * 16 * 16, branch);
        Map<Integer, Integer> whole = new HashMap<>();
        whole.put(s1b3, 0);
        assertEquals(info.totalMacs() - branch, budget.costModel().macs(whole));
        assertEquals(0, budget.rounded(Map.of(s1b3, 0.0), 0.5).channelsOf(s1b3));

        int shared = info.groupOf("s2b1_proj_conv").id();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> budget.allocate(Map.of(shared, 0.0), 0.5));
        assertTrue(e.getMessage().contains("not a residual branch of its own"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> budget.allocate(Map.of(s1b3, -0.1), 0.5));
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void randomRatiosMeetTheBudgetByConstruction(Architecture arch) {
        ModelInfo info = info(arch);
        for (boolean keepFirst : new boolean[]{true, false}) {
            FlopsBudget budget = new FlopsBudget(info, keepFirst);
            for (int seed = 0; seed < 200; seed++) {
                SplittableRandom rnd = new SplittableRandom(seed);
                double target = Math.max(budget.minimumFraction() + 0.05, rnd.nextDouble(0.2, 0.9));
                Map<Integer, Double> ratios = new HashMap<>();
                for (int id : budget.prunableGroups()) {
                    ratios.put(id, rnd.nextDouble(0.05, 1.0));
                }
                ChannelAllocation a = budget.allocate(ratios, target);
                String where = arch + " seed " + seed + " target " + target + ": " + a;
                assertTrue(a.macs() <= target * info.totalMacs(), where);
                assertTrue(a.macFraction() >= target - UNDERSHOOT, where);
                assertEquals(budget.costModel().macs(a.channels()), a.macs(), where);
                for (ChannelGroup g : info.groups()) {
                    if (g.prunable()) {
                        int n = a.channelsOf(g.id());
                        assertTrue(n >= 1 && n <= g.channels(), where);
                    }
                }
                if (keepFirst) {
                    assertEquals(info.groups().get(0).channels(), a.channelsOf(0), where);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void roundedCountsAreMultiplesOrWholeGroupsAndMeetTheBudget(Architecture arch) {
        ModelInfo info = info(arch);
        for (int multiple : new int[]{4, 8, 16}) {
            FlopsBudget budget = new FlopsBudget(info, false, multiple);
            assertEquals(multiple, budget.channelMultiple());
            for (int seed = 0; seed < 50; seed++) {
                SplittableRandom rnd = new SplittableRandom(seed);
                double target = Math.max(budget.minimumFraction() + 0.05, rnd.nextDouble(0.2, 0.9));
                Map<Integer, Double> ratios = new HashMap<>();
                for (int id : budget.prunableGroups()) {
                    ratios.put(id, rnd.nextDouble(0.05, 1.0));
                }
                ChannelAllocation a = budget.allocate(ratios, target);
                String where = arch + " multiple " + multiple + " seed " + seed + " target " + target + ": " + a;
                assertTrue(a.macs() <= target * info.totalMacs(), where);
                assertEquals(budget.costModel().macs(a.channels()), a.macs(), where);
                for (ChannelGroup g : info.groups()) {
                    if (g.prunable()) {
                        int n = a.channelsOf(g.id());
                        assertTrue(n >= 1 && n <= g.channels(), where);
                        assertTrue(n % multiple == 0 || n == g.channels() || g.channels() <= multiple,
                                "group " + g.id() + " keeps " + n + " of " + g.channels() + "; " + where);
                    }
                }
            }
            Map<Integer, Double> uniform = budget.uniformRatios(0.5);
            assertTrue(budget.allocate(uniform, 0.5).macFraction() <= 0.5);
        }
    }

    @Test
    void roundingFollowsTheNearestAllowedCount() {
        ModelInfo info = info(Architecture.LENET);
        // conv1 20 channels: 8, 16 or 20; a ratio of 0.45 (9 channels) rounds to 8, 0.95 (19) to 20,
        // 0.7 (14) to 16; the budgets leave room for each
        FlopsBudget budget = new FlopsBudget(info, false, 8);
        assertEquals(8, budget.allocate(Map.of(0, 0.45, 1, 1.0, 2, 1.0), 0.45).channelsOf(0));
        assertEquals(20, budget.allocate(Map.of(0, 0.95, 1, 0.3, 2, 0.3), 0.9).channelsOf(0));
        assertEquals(16, budget.allocate(Map.of(0, 0.7, 1, 0.3, 2, 0.3), 0.8).channelsOf(0));
        assertMessage(() -> new FlopsBudget(info, true, 0), "channel multiple", "got 0");
    }

    @Test
    void ratiosAreHonouredWhenTheBudgetAllowsThem() {
        ModelInfo info = info(Architecture.RESNET20);
        FlopsBudget budget = new FlopsBudget(info);
        Map<Integer, Double> ratios = new HashMap<>();
        budget.prunableGroups().forEach(id -> ratios.put(id, 0.5));
        ChannelAllocation a = budget.allocate(ratios, 0.6);
        // every group but the last ones takes its ratio; the last groups fill the budget up
        assertEquals(8, a.channelsOf(1));
        assertEquals(16, a.channelsOf(4));
        assertTrue(a.macFraction() <= 0.6 && a.macFraction() > 0.55, a.toString());
        assertEquals(info.totalMacs(), budget.allocate(Map.of(), 1.0).macs());
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void uniformRatiosAreEqualAndMeetTheTarget(Architecture arch) {
        ModelInfo info = info(arch);
        FlopsBudget budget = new FlopsBudget(info);
        for (double target : new double[]{0.3, 0.5, 0.75}) {
            Map<Integer, Double> ratios = FlopsBudget.uniform(info, target);
            assertEquals(budget.prunableGroups().size(), ratios.size());
            assertEquals(1, ratios.values().stream().distinct().count(), ratios.toString());
            ChannelAllocation a = budget.allocate(ratios, target);
            assertTrue(a.macFraction() <= target && a.macFraction() >= target - UNDERSHOOT, a.toString());
        }
        assertTrue(FlopsBudget.uniform(info, 1.0).values().stream().allMatch(r -> r == 1.0));
    }

    @ParameterizedTest
    @EnumSource(value = Architecture.class, mode = EnumSource.Mode.EXCLUDE,
            names = {"RESNET18", "RESNET50", "MOBILENET_V1", "MOBILENET_V1_050"})
    void fillRatiosKeepTheFixedGroupsAndShareOneRatioForTheRest(Architecture arch) {
        ModelInfo info = info(arch);
        FlopsBudget budget = new FlopsBudget(info, false, 1);
        int first = budget.prunableGroups().get(0);
        Map<Integer, Double> ratios = budget.fillRatios(Map.of(first, 0.75), 0.5);
        assertEquals(0.75, ratios.get(first));
        assertEquals(1, ratios.entrySet().stream().filter(e -> e.getKey() != first).map(Map.Entry::getValue)
                .distinct().count(), ratios.toString());
        ChannelAllocation a = budget.allocate(ratios, 0.5);
        assertTrue(a.macFraction() <= 0.5 && a.macFraction() >= 0.5 - UNDERSHOOT, a.toString());
        assertEquals(budget.uniformRatios(0.5), budget.fillRatios(Map.of(), 0.5));
    }

    @Test
    void fillRatiosRejectFixedGroupsThatAloneExceedTheBudget() {
        ModelInfo info = info(Architecture.LENET);
        FlopsBudget budget = new FlopsBudget(info, false, 1);
        Map<Integer, Double> whole = new HashMap<>();
        budget.prunableGroups().forEach(id -> whole.put(id, 1.0));
        assertMessage(() -> budget.fillRatios(whole, 0.5), "fixed at", "0.5", "fix fewer groups");
    }

    @Test
    void rejectsRatiosOutsideZeroToOneNamingTheGroupAndValue() {
        ModelInfo info = info(Architecture.LENET);
        FlopsBudget budget = new FlopsBudget(info);
        for (double bad : new double[]{0.0, -0.2, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> budget.allocate(Map.of(1, bad), 0.5));
            assertTrue(e.getMessage().contains("channel group 1") && e.getMessage().contains(String.valueOf(bad))
                    && e.getMessage().contains("(0, 1]"), e.getMessage());
        }
        assertMessage(() -> budget.allocate(Map.of(9, 0.5), 0.5), "unknown channel group 9");
        assertMessage(() -> budget.allocate(Map.of(3, 0.5), 0.5), "channel group 3", "cannot be pruned");
    }

    @Test
    void rejectsTargetsOutsideZeroToOne() {
        FlopsBudget budget = new FlopsBudget(info(Architecture.LENET));
        for (double bad : new double[]{0.0, -1, 1.01, Double.NaN}) {
            assertMessage(() -> budget.allocate(Map.of(), bad), "target MAC fraction", "(0, 1]", String.valueOf(bad));
        }
    }

    @Test
    void unreachableTargetNamesTheMinimumAchievableFraction() {
        ModelInfo info = info(Architecture.RESNET20);
        FlopsBudget budget = new FlopsBudget(info);
        double min = budget.minimumFraction();
        // the whole first stage is kept, and the classifier and stage 3 keep one channel each
        assertTrue(min > 0.01 && min < 0.5, "minimum " + min);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> budget.allocate(Map.of(), min / 2));
        assertTrue(e.getMessage().contains("cannot be met")
                && e.getMessage().contains(String.format("%.4f", Math.ceil(min * 1e4) / 1e4))
                && e.getMessage().contains("let the first group be pruned"), e.getMessage());
        FlopsBudget all = new FlopsBudget(info, false);
        assertTrue(all.minimumFraction() < min);
        assertTrue(all.allocate(Map.of(), min / 2).macFraction() <= min / 2);
    }

    @Test
    void costModelMatchesHandComputedLenetMacs() {
        ModelInfo info = info(Architecture.LENET);
        ChannelCostModel cost = ChannelCostModel.of(info);
        assertEquals(2_293_000, cost.fullMacs());
        // conv1 10 of 20, conv2 25 of 50, fc1 100 of 500:
        // 24*24*10*25 + 8*8*25*(25*10) + (25*16)*100 + 100*10
        assertEquals(144_000 + 400_000 + 40_000 + 1_000, cost.macs(Map.of(0, 10, 1, 25, 2, 100)));
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }
}
