package org.pocketflow.driver.search;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.ToDoubleFunction;

import org.junit.jupiter.api.Test;

/**
 * What every {@link Sampler} must do, whatever its algorithm; one concrete subclass per
 * implementation. Runs are long enough (30 trials) that model-based samplers leave their start-up
 * phase (10 trials by default).
 */
abstract class SamplerContract {
    static final int TRIALS = 30;

    /** @return a fresh sampler of the implementation under test */
    abstract Sampler sampler(long seed);

    /** Every dimension kind, with features, so DDPG sees a real state. */
    static SearchSpace mixedSpace() {
        return SearchSpace.builder()
                .continuous("ratio", 0.2, 1.0).features(0, 16, 3, 0.3)
                .continuous("lr", 1e-4, 1e-1, true).features(1, 32, 3, 0.5)
                .integer("bits", 2, 8).features(2, 64, 1, 0.2)
                .categorical("optimizer", "sgd", "adam", "rmsprop")
                .build();
    }

    /** A smooth objective over the mixed space, best near ratio 0.7, lr 1e-2, bits 6, adam. */
    static double mixedObjective(Point p) {
        double r = p.getDouble("ratio") - 0.7;
        double lr = Math.log10(p.getDouble("lr")) + 2;
        double b = (p.getInt("bits") - 6) / 6.0;
        double c = p.getString("optimizer").equals("adam") ? 0 : 0.3;
        return -(r * r + 0.3 * lr * lr + b * b + c);
    }

    /** Runs a sequential study of {@code n} trials, feeding back {@code f}; returns the history. */
    static List<Trial> run(Sampler s, SearchSpace space, int n, ToDoubleFunction<Point> f) {
        List<Trial> history = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Point p = s.propose(space, List.copyOf(history));
            history.add(Trial.complete(i, p, f.applyAsDouble(p)));
        }
        return history;
    }

    static List<Point> points(List<Trial> history) {
        return history.stream().map(Trial::params).toList();
    }

    /** Median over {@code seeds} of the best objective after {@code n} trials. */
    static double medianBest(LongFunction<Sampler> make, SearchSpace space, ToDoubleFunction<Point> f, int n,
                             int seeds) {
        double[] best = new double[seeds];
        for (int s = 0; s < seeds; s++) {
            best[s] = run(make.apply(1000 + s), space, n, f).stream().mapToDouble(Trial::objective).max()
                    .orElseThrow();
        }
        Arrays.sort(best);
        return best[seeds / 2];
    }

    @Test
    void proposalsStayInBoundsWithTheRightTypeForEveryKind() {
        SearchSpace space = mixedSpace();
        for (Point p : points(run(sampler(1), space, TRIALS, SamplerContract::mixedObjective))) {
            assertDoesNotThrow(() -> space.check(p));
            assertEquals(space.names(), List.copyOf(p.values().keySet()));
            double ratio = assertInstanceOf(Double.class, p.get("ratio"));
            assertTrue(ratio >= 0.2 && ratio <= 1.0, "ratio " + ratio);
            double lr = assertInstanceOf(Double.class, p.get("lr"));
            assertTrue(lr >= 1e-4 && lr <= 1e-1, "lr " + lr);
            int bits = assertInstanceOf(Integer.class, p.get("bits"));
            assertTrue(bits >= 2 && bits <= 8, "bits " + bits);
            assertTrue(List.of("sgd", "adam", "rmsprop").contains(assertInstanceOf(String.class, p.get("optimizer"))));
        }
    }

    @Test
    void sameSeedGivesIdenticalSequence() {
        SearchSpace space = mixedSpace();
        List<Point> a = points(run(sampler(42), space, TRIALS, SamplerContract::mixedObjective));
        List<Point> b = points(run(sampler(42), space, TRIALS, SamplerContract::mixedObjective));
        assertEquals(a, b);
    }

    @Test
    void differentSeedGivesDifferentSequence() {
        SearchSpace space = mixedSpace();
        List<Point> a = points(run(sampler(42), space, TRIALS, SamplerContract::mixedObjective));
        List<Point> b = points(run(sampler(43), space, TRIALS, SamplerContract::mixedObjective));
        assertNotEquals(a.get(0), b.get(0));
        assertNotEquals(a.subList(10, TRIALS), b.subList(10, TRIALS));
    }

    @Test
    void acceptsAnEmptyHistory() {
        SearchSpace space = mixedSpace();
        Point p = sampler(3).propose(space, List.of());
        assertDoesNotThrow(() -> space.check(p));
        assertEquals(p, sampler(3).propose(space, List.of()));
    }

    @Test
    void acceptsFailedRunningAndPrunedTrials() {
        SearchSpace space = mixedSpace();
        Sampler s = sampler(5);
        List<Trial> history = new ArrayList<>(run(s, space, 14, SamplerContract::mixedObjective));
        Point some = history.get(3).params();
        history.set(3, Trial.failed(3, some));
        history.set(5, Trial.pruned(5, history.get(5).params(), -3.0));
        history.add(Trial.pruned(14, history.get(7).params(), Double.NaN));
        history.add(Trial.running(15, history.get(0).params()));
        history.add(Trial.failed(16, history.get(1).params()));
        Point p = s.propose(space, history);
        assertDoesNotThrow(() -> space.check(p));
        assertEquals(p, sampler(5).propose(space, history), "a fresh instance agrees");
    }

    @Test
    void doesNotProposeARunningTrialsPointAgain() {
        SearchSpace space = mixedSpace();
        Sampler s = sampler(11);
        List<Trial> history = new ArrayList<>(run(s, space, 20, SamplerContract::mixedObjective));
        for (int parallel = 0; parallel < 4; parallel++) {
            Point p = s.propose(space, List.copyOf(history));
            for (Trial t : history) {
                if (t.state() == TrialState.RUNNING) {
                    assertNotEquals(t.params(), p, "proposal " + parallel + " repeats running trial " + t.number());
                }
            }
            history.add(Trial.running(history.size(), p));
        }
    }

    @Test
    void historyOrderDoesNotMatter() {
        SearchSpace space = mixedSpace();
        List<Trial> history = new ArrayList<>(run(sampler(9), space, 15, SamplerContract::mixedObjective));
        Point forward = sampler(9).propose(space, history);
        java.util.Collections.reverse(history);
        assertEquals(forward, sampler(9).propose(space, history));
    }

    @Test
    void worksWithOneDimensionOfEachKind() {
        List<SearchSpace> spaces = List.of(
                SearchSpace.builder().continuous("x", -2, 3).build(),
                SearchSpace.builder().integer("k", 1, 5).build(),
                SearchSpace.builder().categorical("c", "a", "b").build());
        for (SearchSpace space : spaces) {
            List<Trial> h = run(sampler(2), space, 20, p -> {
                Object v = p.get(space.names().get(0));
                return v instanceof String str ? (str.equals("b") ? 1 : 0) : -Math.abs(((Number) v).doubleValue() - 2);
            });
            h.forEach(t -> assertDoesNotThrow(() -> space.check(t.params())));
        }
    }

    @Test
    void replayOfTheSameHistoryGivesTheSameProposals() {
        SearchSpace space = mixedSpace();
        Sampler original = sampler(77);
        List<Trial> history = run(original, space, 25, SamplerContract::mixedObjective);
        Sampler replay = sampler(77);
        for (int k : new int[]{0, 9, 10, 16, 24}) {
            assertEquals(history.get(k).params(), replay.propose(space, history.subList(0, k)), "fresh, trial " + k);
        }
        // the original instance, asked about earlier histories after it has seen more
        for (int k : new int[]{12, 3, 18}) {
            assertEquals(history.get(k).params(), original.propose(space, history.subList(0, k)), "reused, trial " + k);
        }
    }

    @Test
    void rejectsAHistoryThatDoesNotBelongToTheSpace() {
        SearchSpace space = mixedSpace();
        Point bad = new Point(Map.of("ratio", 1.5, "lr", 0.01, "bits", 4, "optimizer", "sgd"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sampler(1).propose(space, List.of(Trial.complete(7, bad, 0.5))));
        assertTrue(e.getMessage().contains("trial 7") && e.getMessage().contains("ratio")
                && e.getMessage().contains("1.5"), e.getMessage());
    }
}
