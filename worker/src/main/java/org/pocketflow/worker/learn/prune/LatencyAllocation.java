package org.pocketflow.worker.learn.prune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.IntStream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.export.BatchNormFolding;
import org.pocketflow.worker.export.onnx.OnnxExporter;
import org.pocketflow.worker.export.onnx.OnnxRuntimeSession;
import org.pocketflow.worker.export.onnx.UnsupportedLayerException;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ModelInfo;

/**
 * Chooses how to spread a MAC budget over the channel groups by measuring, not by counting:
 * the time of a layer does not follow its multiply-adds (LeNet's first convolution has 12% of the
 * MACs and half of the batch-64 time in DL4J; small channel counts at high resolution are
 * memory-bound), so the allocation with the fewest MACs per group is not the fastest. Candidate
 * allocations that all meet the budget are built (channels cut by surgery only, no selection or
 * fine-tuning: which channels are kept does not change the time) and timed at batch 64 on this
 * machine in the runtime the job deploys to: ONNX Runtime on one thread (the {@code model.onnx} a
 * job writes; as the report times it) when the network exports, else DL4J with the batch norms
 * folded ({@link BatchNormFolding}: the {@code inference.zip} a job writes). As NetAdapt (Yang et
 * al. 2018) and AMC's latency mode (He et al. 2018), measured latency rather than FLOPs decides.
 *
 * <p>Candidates: the uniform allocation ({@link FlopsBudget#uniformRatios}); the groups with
 * several producers (ResNet's residual channels, shared by every block of a stage) whole and the
 * others sharing one ratio; for every split of the groups by the resolution of their outputs
 * (largest first), the higher-resolution groups fixed at a preserve ratio of 1, 0.75 or 0.5 while
 * the others share one ratio that meets the budget ({@link FlopsBudget#fillRatios}); and a grid:
 * the groups put in classes by output resolution and by whether several producers share them (by
 * resolution alone where that makes more than {@value #MAX_GRID} combinations; without branch removal
 * where that still does; no grid where even that does), every class at a preserve ratio of 1, 0.75,
 * 0.5 or 0.25 and, in a class holding residual branches ({@link ModelInfo#removable}), with its last
 * branch kept or removed (the deepest block of a stage, the one stochastic depth drops most often:
 * in ONNX Runtime a block at 16 channels, AVX-512's block width, cannot get faster by losing
 * channels, only by going), kept when its rounded counts spend between
 * {@value #GRID_FLOOR} of the budget and the budget, then completed to the budget as the learner
 * completes any allocation ({@link FlopsBudget#allocate}), so that what is timed is what a job
 * compresses to (the most MACs first). Identical allocations are timed once.
 *
 * <p>Timing in two rounds: each candidate alone ({@value #SCREEN_RUNS} runs after one untimed, the
 * fastest run; for at most {@value #SCREEN_SECONDS} seconds, the candidates in the order above),
 * then the uniform allocation and the {@value #CONFIRMED} fastest of the first round round-robin
 * with the unpruned network (medians; as many rounds as asked for, but no more than fit in about
 * {@value #CONFIRM_SECONDS} seconds and at least {@value #MIN_ROUNDS}, so that ImageNet-size
 * networks are not timed for half an hour). The choice is the fastest of the second round, or, among
 * those within {@value #TIE} of its time, the one that keeps the most MACs.
 *
 * <p>The timing depends on the machine and its load: the choice is a measurement, reported with its
 * figures, not a property of the network. Stateless.
 */
public final class LatencyAllocation {
    /** Preserve ratios tried for the higher-resolution groups. */
    static final double[] FIXED_RATIOS = {1.0, 0.75, 0.5};
    /** Preserve ratios of the grid's classes of groups. */
    static final double[] GRID_RATIOS = {1.0, 0.75, 0.5, 0.25};
    /** Least fraction of the MAC budget a grid candidate spends. */
    static final double GRID_FLOOR = 0.9;
    /** Most combinations a grid may have (4 ratios for each of 8 classes of groups). */
    static final int MAX_GRID = 1 << 16;
    /** Timed runs of each candidate in the first round. */
    static final int SCREEN_RUNS = 3;
    /** Seconds the first round may take; candidates after it are not timed. */
    static final int SCREEN_SECONDS = 60;
    /** Candidates of the first round timed again (besides the uniform allocation). */
    static final int CONFIRMED = 5;
    /** Seconds the second round's timed rounds aim at: a large network gets fewer rounds (and warm-up rounds). */
    static final int CONFIRM_SECONDS = 120;
    /** Fewest timed rounds of the second round, whatever they take (unless fewer are asked for). */
    static final int MIN_ROUNDS = 3;
    /** Relative time within which a candidate that keeps more MACs is preferred. */
    static final double TIE = 0.03;
    /** Batch size the candidates are timed at. */
    public static final int BATCH = 64;

    private LatencyAllocation() {
    }

    /** Where the candidates are timed. */
    public enum Runtime {
        /** The exported ONNX model in ONNX Runtime, one intra-op thread. */
        ONNX_RUNTIME("ONNX Runtime, 1 thread"),
        /** DL4J with the batch norms folded, the executor's threads. */
        DL4J("DL4J, batch norms folded");

        private final String label;

        Runtime(String label) {
            this.label = label;
        }

        /** How progress lines and reports name it. */
        public String label() {
            return label;
        }
    }

    /** One allocation and its measured time. */
    public record Candidate(String name, ChannelAllocation allocation, double millis) {
    }

    /**
     * The measured candidates.
     *
     * @param candidates     the candidates of the second round (uniform first) with their median times
     * @param unprunedMillis median batch time of the unpruned network, timed beside them
     * @param runtime        where they were timed
     * @param screened       candidates timed in the first round
     * @param built          candidates built
     */
    public record Choice(List<Candidate> candidates, double unprunedMillis, Runtime runtime, int screened,
                         int built) {
        /**
         * The fastest candidate, or among those within {@link #TIE} of its time the one with the most
         * MACs (the earlier on a tie).
         */
        public Candidate best() {
            Candidate fastest = candidates.get(0);
            for (Candidate c : candidates) {
                if (c.millis() < fastest.millis()) {
                    fastest = c;
                }
            }
            Candidate best = fastest;
            for (Candidate c : candidates) {
                if (c.millis() <= fastest.millis() * (1 + TIE) && c.allocation().macs() > best.allocation().macs()) {
                    best = c;
                }
            }
            return best;
        }

        /** Unpruned time over the best candidate's. */
        public double speedUp() {
            return unprunedMillis / best().millis();
        }
    }

    /**
     * Times the candidates in ONNX Runtime when {@code graph} exports, else in DL4J, and returns them.
     *
     * @param graph      the network to prune; not modified
     * @param shape      its input images
     * @param budget     the budget rule (first group kept or not, channel multiple)
     * @param target     fraction of the MACs to keep, in (0, 1]
     * @param warmup     untimed rounds of the second round, at least 0
     * @param iterations timed rounds of the second round, at least 1 (each runs every network once)
     * @param progress   a line when the network has no ONNX export, one for the first round, one when
     *                   the second is cut to fewer rounds, and one per candidate of the second
     */
    public static Choice choose(ComputationGraph graph, ImageShape shape, FlopsBudget budget, double target,
                                int warmup, int iterations, Consumer<String> progress) {
        String noExport = whyNoExport(graph, shape);
        if (noExport != null) {
            progress.accept("latency allocation: timed in DL4J, the network has no ONNX export (" + noExport + ")");
        }
        return choose(graph, shape, budget, target, warmup, iterations, noExport == null ? Runtime.ONNX_RUNTIME
                : Runtime.DL4J, progress);
    }

    /** As {@link #choose(ComputationGraph, ImageShape, FlopsBudget, double, int, int, Consumer)}, timed in {@code runtime}. */
    public static Choice choose(ComputationGraph graph, ImageShape shape, FlopsBudget budget, double target,
                                int warmup, int iterations, Runtime runtime, Consumer<String> progress) {
        return choose(graph, shape, budget, target, warmup, iterations, runtime, CONFIRM_SECONDS, progress);
    }

    /** As above, the second round's timed rounds aiming at {@code confirmSeconds}. */
    static Choice choose(ComputationGraph graph, ImageShape shape, FlopsBudget budget, double target, int warmup,
                         int iterations, Runtime runtime, double confirmSeconds, Consumer<String> progress) {
        if (warmup < 0 || iterations < 1) {
            throw new IllegalArgumentException("latency allocation needs warmup >= 0 and iterations >= 1, but got "
                    + warmup + " and " + iterations);
        }
        ModelInfo info = ModelInfo.of(graph, shape);
        Map<String, ChannelAllocation> candidates = candidates(info, budget, target);
        List<String> names = new ArrayList<>(candidates.keySet());
        int screened = names.size();
        if (names.size() > CONFIRMED + 1) {
            Map<String, Double> first = screen(graph, info, shape, candidates, runtime);
            screened = first.size();
            names.subList(1, names.size()).clear();
            first.entrySet().stream().filter(e -> !e.getKey().equals(names.get(0)))
                    .sorted(Map.Entry.comparingByValue()).limit(CONFIRMED).forEach(e -> names.add(e.getKey()));
            progress.accept(String.format("latency allocation: %d of %d candidate allocations timed alone in %s at "
                    + "batch %d; the %d fastest and the uniform one are timed again against the unpruned network",
                    screened, candidates.size(), runtime.label(), BATCH, names.size() - 1));
        }
        List<Timed> nets = new ArrayList<>();
        double[] millis;
        try {
            nets.add(Timed.of(graph, shape, runtime));
            for (String name : names) {
                nets.add(Timed.of(timingCopy(graph, info, candidates.get(name)), shape, runtime));
            }
            long start = System.nanoTime();
            nets.forEach(Timed::run);
            double round = (System.nanoTime() - start) / 1e9;
            int timed = (int) Math.min(iterations, Math.max(MIN_ROUNDS, Math.floor(confirmSeconds / round)));
            if (timed < iterations) {
                progress.accept(String.format("latency allocation: one round of the %d networks takes %.1f s, so %d "
                        + "timed rounds instead of %d", nets.size(), round, timed, iterations));
            }
            millis = medians(roundRobin(nets, Math.min(warmup, timed), timed));
        } finally {
            nets.forEach(Timed::close);
        }
        List<Candidate> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Candidate c = new Candidate(names.get(i), candidates.get(names.get(i)), millis[i + 1]);
            out.add(c);
            progress.accept(String.format("latency allocation: %-36s %.3f of the MACs, %.3f ms at batch %d in %s "
                            + "(%.2fx), channels %s", c.name(), c.allocation().macFraction(), c.millis(), BATCH,
                    runtime.label(), millis[0] / c.millis(), c.allocation().channels().values()));
        }
        return new Choice(out, millis[0], runtime, screened, candidates.size());
    }

    /** Why {@code graph} has no ONNX export that ONNX Runtime loads here; null when it has one. */
    static String whyNoExport(ComputationGraph graph, ImageShape shape) {
        try (Timed t = Timed.of(graph, shape, Runtime.ONNX_RUNTIME)) {
            return null;
        } catch (UnsupportedLayerException | IllegalStateException e) {
            return e.getMessage();
        } catch (LinkageError e) { // ONNX Runtime's native library does not load on this executor
            return "ONNX Runtime unavailable: " + e;
        }
    }

    /** The first round: each candidate alone, fastest of {@link #SCREEN_RUNS}, until {@link #SCREEN_SECONDS}. */
    private static Map<String, Double> screen(ComputationGraph graph, ModelInfo info, ImageShape shape,
                                              Map<String, ChannelAllocation> candidates, Runtime runtime) {
        Map<String, Double> out = new LinkedHashMap<>();
        long end = System.nanoTime() + SCREEN_SECONDS * 1_000_000_000L;
        for (var e : candidates.entrySet()) {
            if (!out.isEmpty() && System.nanoTime() > end) {
                break;
            }
            try (Timed t = Timed.of(timingCopy(graph, info, e.getValue()), shape, runtime)) {
                t.run();
                double best = Double.MAX_VALUE;
                for (int r = 0; r < SCREEN_RUNS; r++) {
                    long s = System.nanoTime();
                    t.run();
                    best = Math.min(best, (System.nanoTime() - s) / 1e6);
                }
                out.put(e.getKey(), best);
            }
        }
        return out;
    }

    /** The candidate allocations by name, duplicates removed (see the class comment). */
    static Map<String, ChannelAllocation> candidates(ModelInfo info, FlopsBudget budget, double target) {
        Map<String, ChannelAllocation> out = new LinkedHashMap<>();
        List<ChannelAllocation> seen = new ArrayList<>();
        add(out, seen, "uniform", budget.allocate(budget.uniformRatios(target), target));
        Map<Integer, Double> shared = new TreeMap<>();
        for (int id : budget.prunableGroups()) {
            if (info.groups().get(id).producers().size() > 1) {
                shared.put(id, 1.0);
            }
        }
        tryFill(out, seen, "groups of several producers whole, rest filled", budget, shared, target);
        TreeSet<Long> sizes = new TreeSet<>();
        for (int id : budget.prunableGroups()) {
            sizes.add(resolution(info, info.groups().get(id)));
        }
        for (long size : sizes.descendingSet()) {
            if (size == sizes.first()) {
                break;
            }
            for (double ratio : FIXED_RATIOS) {
                Map<Integer, Double> fixed = new TreeMap<>();
                for (int id : budget.prunableGroups()) {
                    if (resolution(info, info.groups().get(id)) >= size) {
                        fixed.put(id, ratio);
                    }
                }
                tryFill(out, seen, String.format("outputs >= %d px at %.2f, rest filled", size, ratio), budget,
                        fixed, target);
            }
        }
        grid(info, budget, target).forEach((name, a) -> add(out, seen, name, a));
        return out;
    }

    /**
     * The grid's allocations (see the class comment): those whose rounded counts spend
     * [{@link #GRID_FLOOR}, 1] of the budget, completed by {@link FlopsBudget#allocate}, the most MACs first.
     */
    static Map<String, ChannelAllocation> grid(ModelInfo info, FlopsBudget budget, double target) {
        return grid(info, budget, target, MAX_GRID);
    }

    /** As above, with at most {@code maxCombinations} combinations. */
    static Map<String, ChannelAllocation> grid(ModelInfo info, FlopsBudget budget, double target, int maxCombinations) {
        Map<String, List<Integer>> classes = classes(info, budget, true);
        boolean removal = true;
        if (combinations(info, classes, true) > maxCombinations) {
            classes = classes(info, budget, false);
            if (combinations(info, classes, true) > maxCombinations) {
                removal = false;
            }
        }
        List<String> keys = new ArrayList<>(classes.keySet());
        double combinations = combinations(info, classes, removal);
        List<Map.Entry<String, ChannelAllocation>> within = new ArrayList<>();
        if (keys.isEmpty() || combinations > maxCombinations) {
            return Map.of();
        }
        long budgetMacs = (long) Math.floor(target * info.totalMacs());
        for (int c = 0; c < (int) combinations; c++) {
            Map<Integer, Double> ratios = new TreeMap<>();
            StringBuilder name = new StringBuilder("grid:");
            int rest = c;
            for (String key : keys) {
                double r = GRID_RATIOS[rest % GRID_RATIOS.length];
                rest /= GRID_RATIOS.length;
                List<Integer> ids = classes.get(key);
                ids.forEach(id -> ratios.put(id, r));
                name.append(String.format(" %s %.2f", key, r));
                List<Integer> removable = ids.stream().filter(info::removable).toList();
                if (removal && !removable.isEmpty()) {
                    boolean remove = rest % 2 == 1;
                    rest /= 2;
                    if (remove) {
                        int last = removable.get(removable.size() - 1);
                        ratios.put(last, 0.0);
                        name.append(" -").append(info.groups().get(last).name());
                    }
                }
            }
            ChannelAllocation a = budget.rounded(ratios, target);
            if (a.macs() <= budgetMacs && a.macs() >= GRID_FLOOR * budgetMacs) {
                within.add(Map.entry(name.toString(), budget.allocate(ratios, target)));
            }
        }
        within.sort(Comparator.comparingLong((Map.Entry<String, ChannelAllocation> e) -> e.getValue().macs())
                .reversed());
        Map<String, ChannelAllocation> out = new LinkedHashMap<>();
        within.forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /**
     * Grid combinations over {@code classes}: {@link #GRID_RATIOS} per class, times two (the class's
     * last residual branch kept or removed) per class holding a removable group if {@code removal}.
     */
    private static double combinations(ModelInfo info, Map<String, List<Integer>> classes, boolean removal) {
        double n = 1;
        for (List<Integer> ids : classes.values()) {
            n *= GRID_RATIOS.length * (removal && ids.stream().anyMatch(info::removable) ? 2 : 1);
        }
        return n;
    }

    /** The groups this budget cuts by output resolution, and by whether several producers share them if {@code bySharing}. */
    private static Map<String, List<Integer>> classes(ModelInfo info, FlopsBudget budget, boolean bySharing) {
        Map<String, List<Integer>> classes = new LinkedHashMap<>();
        for (int id : budget.prunableGroups()) {
            ChannelGroup g = info.groups().get(id);
            String key = resolution(info, g) + " px" + (bySharing && g.producers().size() > 1 ? " shared" : "");
            classes.computeIfAbsent(key, k -> new ArrayList<>()).add(id);
        }
        return classes;
    }

    /** Adds the allocation with {@code fixed} groups and the rest filled, unless the fixed ones alone break the budget. */
    private static void tryFill(Map<String, ChannelAllocation> out, List<ChannelAllocation> seen, String name,
                                FlopsBudget budget, Map<Integer, Double> fixed, double target) {
        if (fixed.isEmpty()) {
            return;
        }
        Map<Integer, Double> ratios;
        try {
            ratios = budget.fillRatios(fixed, target);
        } catch (IllegalArgumentException tooMuch) {
            return;
        }
        add(out, seen, name, budget.allocate(ratios, target));
    }

    private static void add(Map<String, ChannelAllocation> out, List<ChannelAllocation> seen, String name,
                            ChannelAllocation a) {
        if (seen.stream().noneMatch(s -> s.channels().equals(a.channels()))) {
            seen.add(a);
            out.put(name, a);
        }
    }

    /** Output pixels per channel of the group's first producer (1 for a dense layer). */
    private static long resolution(ModelInfo info, ChannelGroup g) {
        long[] shape = info.layer(g.producers().get(0)).outputShape();
        return shape.length == 3 ? shape[1] * shape[2] : 1;
    }

    /**
     * {@code graph} with the first channels of every group cut to the allocation's counts, by
     * surgery alone: a network as fast as any pruning to these counts, for timing.
     */
    public static ComputationGraph timingCopy(ComputationGraph graph, ModelInfo info, ChannelAllocation a) {
        Map<Integer, int[]> keep = new TreeMap<>();
        a.channels().forEach((id, n) -> {
            if (n < info.groups().get(id).channels()) {
                keep.put(id, IntStream.range(0, n).toArray());
            }
        });
        return ChannelSurgery.prune(graph, info, keep);
    }

    /**
     * Median milliseconds of {@code outputSingle(false, x)} per network, the networks timed
     * round-robin (one call each per round, starting at a different network every round) so that
     * all see the same load on a shared machine.
     */
    public static double[] medianMillis(ComputationGraph[] nets, INDArray x, int warmup, int iterations) {
        return medians(roundRobinMillis(nets, x, warmup, iterations));
    }

    /** Every timed call's milliseconds, {@code [network][iteration]}, round-robin as {@link #medianMillis}. */
    public static double[][] roundRobinMillis(ComputationGraph[] nets, INDArray x, int warmup, int iterations) {
        List<Timed> runs = new ArrayList<>();
        for (ComputationGraph net : nets) {
            runs.add(Timed.of(() -> net.outputSingle(false, x)));
        }
        return roundRobin(runs, warmup, iterations);
    }

    private static double[][] roundRobin(List<Timed> nets, int warmup, int iterations) {
        double[][] t = new double[nets.size()][iterations];
        for (int it = -warmup; it < iterations; it++) {
            for (int k = 0; k < nets.size(); k++) {
                int n = Math.floorMod(it + k, nets.size());
                long s = System.nanoTime();
                nets.get(n).run();
                if (it >= 0) {
                    t[n][it] = (System.nanoTime() - s) / 1e6;
                }
            }
        }
        return t;
    }

    private static double[] medians(double[][] t) {
        double[] m = new double[t.length];
        for (int n = 0; n < t.length; n++) {
            m[n] = quantile(t[n], 0.5);
        }
        return m;
    }

    /** The {@code q} quantile of {@code times} (nearest rank). */
    public static double quantile(double[] times, double q) {
        double[] c = times.clone();
        Arrays.sort(c);
        return c[Math.min(c.length - 1, (int) Math.floor(q * c.length))];
    }

    /** One network ready to run a batch of {@link #BATCH} random images; close frees what it holds. */
    private interface Timed extends AutoCloseable {
        void run();

        @Override
        default void close() {
        }

        static Timed of(Runnable run) {
            return run::run;
        }

        /** {@code graph} prepared in {@code runtime}: exported to ONNX, or with its batch norms folded. */
        static Timed of(ComputationGraph graph, ImageShape shape, Runtime runtime) {
            int pixels = Math.toIntExact(BATCH * shape.pixels());
            SplittableRandom rnd = new SplittableRandom(1);
            float[] x = new float[pixels];
            for (int i = 0; i < pixels; i++) {
                x[i] = rnd.nextInt(256) / 255f;
            }
            if (runtime == Runtime.DL4J) {
                ComputationGraph folded = BatchNormFolding.fold(graph);
                INDArray in = Nd4j.create(x, new long[]{BATCH, shape.channels(), shape.height(), shape.width()}, 'c');
                return () -> folded.outputSingle(false, in);
            }
            OnnxRuntimeSession session = new OnnxRuntimeSession(OnnxExporter.export(graph, Map.of(), shape,
                    Normalizer.UNIT, Map.of()), 1);
            return new Timed() {
                @Override
                public void run() {
                    session.run(x, BATCH);
                }

                @Override
                public void close() {
                    session.close();
                }
            };
        }
    }
}
