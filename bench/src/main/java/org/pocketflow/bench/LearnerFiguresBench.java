package org.pocketflow.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.conf.LearnKeys;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.eval.Latency;
import org.pocketflow.worker.export.PackedModelFile;
import org.pocketflow.worker.export.onnx.UnsupportedLayerException;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.ChainLearner;
import org.pocketflow.worker.learn.CompressedModel;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.Learner;
import org.pocketflow.worker.learn.LearnerRun;
import org.pocketflow.worker.learn.prune.ChannelPruning;
import org.pocketflow.worker.learn.prune.ChannelPruningLearner;
import org.pocketflow.worker.learn.prune.FlopsBudget;
import org.pocketflow.worker.learn.prune.L1ChannelSelector;
import org.pocketflow.worker.learn.prune.DcpChannelSelector;
import org.pocketflow.worker.learn.prune.LassoChannelSelector;
import org.pocketflow.worker.learn.prune.LatencyAllocation;
import org.pocketflow.worker.learn.quant.CodebookOptions;
import org.pocketflow.worker.learn.quant.NonUniformQuantLearner;
import org.pocketflow.worker.learn.quant.UniformQuantLearner;
import org.pocketflow.worker.learn.sparse.WeightSparsityLearner;
import org.pocketflow.worker.model.ChannelGroup;
import org.pocketflow.worker.model.ChannelRole;
import org.pocketflow.worker.model.LayerInfo;
import org.pocketflow.worker.model.ModelFiles;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.runtime.Backend;
import org.pocketflow.worker.train.ImageSetEpochs;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * The issue-5 figures side by side in one run: each learner, at its uniform per-layer settings
 * under its budget ({@code Learner.uniform}), applied to a trained base model, fine-tuned on the
 * same training split the base model was trained on (seed 42, 10% held out), evaluated on the Fashion-MNIST test set, its packed
 * file measured and loaded back, its latency measured beside the base model's.
 *
 * <p>Run: {@code bench/bin/run LearnerFiguresBench MODEL_ZIP [epochs] [experiments] [seeds] [images] [lr]} where
 * MODEL_ZIP is a base model from {@code pocketflow run conf/examples/lenet-baseline.conf} (or any
 * DL4J graph zip, e.g. the concat network {@code ConcatNetworkBench} saves),
 * epochs of fine-tuning (default 3) and a comma list of experiments (default all):
 * {@code prune50, prune50-lasso, prune50-x8 (channel counts in multiples of 8), prune50-lasso-x8,
 * prune50-dcp, prune50-dcp-x8, prune50-fast-lasso and prune50-fast-dcp (first convolution cut, multiples of 8,
 * the allocation timed by {@code Learner.fastest}), prune50-fast-lasso-kept (the same with the first
 * convolution whole), prune50-kd, prune50-cutfirst, prune50-lasso-cutfirst and prune50-dcp-cutfirst (L1,
 * LASSO, DCP with the first convolution's groups pruned too, any count: a network whose first
 * convolution is tied to a concatenation needs it; {@code prune<NN>-cutfirst} is the first at NN% of the MACs,
 * e.g. {@code prune30-cutfirst}), sparse75, uniform8, uniform4, nonuniform4, uniform2, uniform2-kd,
 * nonuniform2, uniform3, nonuniform3, chain50-8} or {@code all}, where any experiment may end in
 * {@code @FILE}, a properties file of per-layer settings ({@code name=value} lines, e.g. the best
 * candidate {@code PruningSamplerBench} prints) used instead of the uniform ones, and a codebook experiment
 * {@code nonuniform<bits>} takes any of the suffixes {@code -linear} (linear initialisation),
 * {@code -grad} (gradient centroid steps), {@code -assign} (fixed centroids, weights re-assigned), {@code -ch} (per-channel scales) and {@code -books}
 * (per-channel codebooks where the bytes allow, scales elsewhere), e.g.
 * {@code nonuniform2-linear-ch}; a comma list of seeds (default 42), each seeding the fine-tuning's
 * data order and the selectors, every experiment run once per seed and summarised as mean and
 * sample standard deviation; and the number of training images fine-tuning uses (default all
 * 48,600 of the split), the first of the split, the same for every experiment and seed; and the
 * fine-tuning's initial learning rate (default 0.01).
 * Prints figures; asserts nothing.
 */
public final class LearnerFiguresBench {
    private static final long SEED = 42;
    private static final int LATENCY_ITERATIONS = 200;
    private static final Pattern CODEBOOK = Pattern.compile("nonuniform(\\d+)((?:-linear|-grad|-assign|-ch|-books)*)");
    private static final Pattern CUT_FIRST = Pattern.compile("prune(\\d{1,2})-cutfirst");

    private LearnerFiguresBench() {
    }

    /**
     * One row; {@code fastest}: settings from {@code Learner.fastest} (timed allocation) instead of
     * uniform; {@code fixed}: these settings instead, when not null.
     */
    private record Experiment(String name, Learner learner, Budget budget, boolean distill, boolean fastest,
                              Map<String, Double> fixed) {
        Experiment(String name, Learner learner, Budget budget, boolean distill) {
            this(name, learner, budget, distill, false, null);
        }

        Experiment(String name, Learner learner, Budget budget, boolean distill, boolean fastest) {
            this(name, learner, budget, distill, fastest, null);
        }
    }

    public static void main(String[] args) {
        String model = args[0];
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<String> wanted = args.length > 2 && !args[2].equals("all") ? List.of(args[2].split(",")) : List.of();
        List<Long> seeds = args.length > 3 ? Arrays.stream(args[3].split(",")).map(Long::valueOf).toList()
                : List.of(SEED);
        int images = args.length > 4 ? Integer.parseInt(args[4]) : Integer.MAX_VALUE;
        double lr = args.length > 5 ? Double.parseDouble(args[5]) : 0.01;
        boolean onednn = Backend.configure(true);
        IdxDataset data = IdxDataset.open(IdxDataset.DEFAULT_URI);
        ImageSet split = data.train().split(0.1, SEED).train();
        Normalizer norm = Normalizer.fit(split);
        ImageSet train = images < split.size() ? split.limit(images) : split;
        ComputationGraph base = ModelFiles.load(model.contains(":") ? model : "file://" + new java.io.File(model)
                .getAbsolutePath());
        double baseAcc = accuracy(base, data, norm);
        Latency baseLat = Evaluator.latency(base, data.shape(), 30, 100);
        long baseBytes = ModelInfo.of(base, data.shape()).totalBytes();
        System.out.printf("base %s: test accuracy %.4f, %d fp32 weight bytes, latency %.3f / %.3f ms (batch 1 / 64), "
                        + "oneDNN %s, fine-tune %d epoch(s) lr %s cosine on %d images, seeds %s%n", model, baseAcc,
                baseBytes, baseLat.batch1Millis(), baseLat.batch64Millis(), onednn ? "on" : "off", epochs, lr,
                train.size(), seeds);

        INDArray calibration = split.batchesInOrder(LearnKeys.CALIBRATION_IMAGES.defaultValue(), norm).next()
                .getFeatures();
        DataSet dcp = split.batchesInOrder(LearnKeys.DCP_IMAGES.defaultValue(), norm).next();
        List<String> names = new ArrayList<>(wanted);
        if (names.isEmpty()) {
            experiments(SEED, calibration, dcp).forEach(e -> names.add(e.name));
            names.addAll(List.of("nonuniform4", "nonuniform3", "nonuniform2"));
        }
        List<String> rows = new ArrayList<>();
        List<String> means = new ArrayList<>();
        for (String name : names) {
            List<Double> accs = new ArrayList<>();
            List<Double> untuneds = new ArrayList<>();
            for (long seed : seeds) {
                Experiment e = experiment(name, seed, calibration, dcp);
                TrainingSpec ft = new TrainingSpec(epochs, 64, lr, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, seed,
                        200);
                FineTuneSpec spec = e.distill ? FineTuneSpec.of(ft).withDistillation(1.0, 4.0) : FineTuneSpec.of(ft);
                long t0 = System.nanoTime();
                Map<String, Double> uniform = e.fixed != null ? e.fixed : e.fastest
                        ? e.learner.fastest(base, data.shape(), e.budget, line -> System.out.println("  " + line))
                        : e.learner.uniform(ModelInfo.of(base, data.shape()), e.budget);
                CompressedModel m = LearnerRun.run(e.learner, base, data.shape(), uniform, e.budget, spec,
                        new ImageSetEpochs(train, norm, 64, seed), Map.of("seed", String.valueOf(seed),
                                "dataset-sha256", data.sha256()), s -> { });
                double seconds = (System.nanoTime() - t0) / 1e9;
                double acc = accuracy(m.graph(), data, norm);
                double untuned = accuracy(LearnerRun.run(e.learner, base, data.shape(), uniform, e.budget,
                        FineTuneSpec.none(), new ImageSetEpochs(train, norm, 64, seed), Map.of(), s -> { }).graph(),
                        data, norm);
                accs.add(acc);
                untuneds.add(untuned);
                byte[] file = PackedModelFile.toBytes(m.packed());
                double reloaded = accuracy(PackedModelFile.fromBytes(file, e.name).toGraph(), data, norm);
                // latency does not depend on the fine-tuning seed: timed once per experiment
                double[] b1 = seed == seeds.get(0) ? roundRobin(base, m.graph(), data, 1) : new double[]{0, 0};
                double[] b64 = seed == seeds.get(0) ? roundRobin(base, m.graph(), data, 64) : new double[]{0, 0};
                String row = String.format("%-16s seed %d acc %.4f (drop %+.2f pts, reloaded %.4f, %.4f before "
                                + "fine-tuning)  MACs %.3f  params %.3f  packed tensors %d B (%.2fx smaller)  file %d B  "
                                + "latency b1 %.3f ms (%.2fx)  b64 %.3f ms (%.2fx)  %.0f s", e.name, seed, acc,
                        100 * (baseAcc - acc), reloaded, untuned, m.after().macFractionOf(m.before()),
                        m.after().parameterFractionOf(m.before()), m.packed().tensorBytes(),
                        baseBytes / (double) m.packed().tensorBytes(), file.length, b1[1], b1[0] / b1[1], b64[1],
                        b64[0] / b64[1], seconds);
                System.out.println(row);
                if (seed == seeds.get(0)) {
                    System.out.println("             " + onnxRuntime(base, m, data));
                }
                System.out.println("             settings " + new LinkedHashMap<>(m.settings()));
                printChannels(ModelInfo.of(base, data.shape()), ModelInfo.of(m.graph(), data.shape()), m);
                rows.add(row);
            }
            means.add(String.format("%-24s n=%d  acc %s %%  drop %+.2f pts  before fine-tuning %s %%", name,
                    accs.size(), meanStd(accs), 100 * baseAcc - mean(accs), meanStd(untuneds)));
        }
        System.out.println("\nsummary (drop = base minus compressed test accuracy; latency ratio = base / compressed, "
                + "median of " + LATENCY_ITERATIONS + " round-robin calls each, first seed only):");
        rows.forEach(System.out::println);
        System.out.printf("%nmean +- sample standard deviation over seeds %s (base %.2f%%):%n", seeds, 100 * baseAcc);
        means.forEach(System.out::println);
    }

    /**
     * The experiment called {@code name}: one of the fixed list, or a codebook variant
     * {@code nonuniform<bits>[-linear][-grad|-assign][-ch|-books]} (linear initialisation,
     * gradient centroid steps, fixed centroids, per-channel scales, per-channel codebooks; see {@link CodebookOptions}).
     */
    private static Experiment experiment(String name, long seed, INDArray calibration, DataSet dcp) {
        int at = name.indexOf('@');
        if (at > 0) {
            Experiment e = experiment(name.substring(0, at), seed, calibration, dcp);
            return new Experiment(name, e.learner, e.budget, e.distill, false, settings(name.substring(at + 1)));
        }
        Matcher codebook = CODEBOOK.matcher(name);
        if (codebook.matches()) {
            String opts = codebook.group(2);
            CodebookOptions options = new CodebookOptions(
                    opts.contains("-linear") ? CodebookOptions.Init.LINEAR : CodebookOptions.Init.QUANTILE,
                    opts.contains("-grad") ? CodebookOptions.Update.GRADIENT
                            : opts.contains("-assign") ? CodebookOptions.Update.ASSIGN : CodebookOptions.Update.LLOYD,
                    opts.contains("-books") ? CodebookOptions.Scale.CHANNEL_CODEBOOKS
                            : opts.contains("-ch") ? CodebookOptions.Scale.CHANNEL : CodebookOptions.Scale.LAYER);
            return new Experiment(name, new NonUniformQuantLearner(options),
                    Budget.bits(Integer.parseInt(codebook.group(1))), false);
        }
        Matcher cutFirst = CUT_FIRST.matcher(name);
        if (cutFirst.matches()) {
            return new Experiment(name, new ChannelPruningLearner(new L1ChannelSelector(), false, FlopsBudget.ANY_COUNT),
                    Budget.macs(Integer.parseInt(cutFirst.group(1)) / 100.0), false);
        }
        return experiments(seed, calibration, dcp).stream().filter(e -> e.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown experiment " + name));
    }

    /** The {@code name=value} lines of a properties file, in file order. */
    private static Map<String, Double> settings(String file) {
        Map<String, Double> out = new LinkedHashMap<>();
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(file))) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    int eq = t.indexOf('=');
                    out.put(t.substring(0, eq).strip(), Double.valueOf(t.substring(eq + 1).strip()));
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read settings file " + file, e);
        }
        return out;
    }

    private static String meanStd(List<Double> v) {
        double m = mean(v);
        double ss = 0;
        for (double x : v) {
            ss += (100 * x - m) * (100 * x - m);
        }
        double sd = v.size() > 1 ? Math.sqrt(ss / (v.size() - 1)) : 0;
        return String.format("%.2f +- %.2f", m, sd);
    }

    /** Mean of {@code v} in percent. */
    private static double mean(List<Double> v) {
        return 100 * v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** The fixed experiments, their selectors seeded with {@code seed}. */
    private static List<Experiment> experiments(long seed, INDArray calibration, DataSet dcp) {
        return List.of(
                new Experiment("prune50", new ChannelPruningLearner(), Budget.macs(0.5), false),
                new Experiment("prune50-lasso", new ChannelPruningLearner(new LassoChannelSelector(calibration, seed),
                        true, FlopsBudget.ANY_COUNT), Budget.macs(0.5), false),
                new Experiment("prune50-x8", new ChannelPruningLearner(new L1ChannelSelector(), true,
                        ChannelPruning.SPEED_CHANNEL_MULTIPLE), Budget.macs(0.5), false),
                new Experiment("prune50-lasso-x8", new ChannelPruningLearner(new LassoChannelSelector(calibration, seed),
                        true, ChannelPruning.SPEED_CHANNEL_MULTIPLE), Budget.macs(0.5), false),
                new Experiment("prune50-dcp", new ChannelPruningLearner(new DcpChannelSelector(dcp.getFeatures(),
                        dcp.getLabels(), seed), true, FlopsBudget.ANY_COUNT), Budget.macs(0.5), false),
                new Experiment("prune50-dcp-x8", new ChannelPruningLearner(new DcpChannelSelector(dcp.getFeatures(),
                        dcp.getLabels(), seed), true, ChannelPruning.SPEED_CHANNEL_MULTIPLE), Budget.macs(0.5), false),
                new Experiment("prune50-fast-lasso", new ChannelPruningLearner(new LassoChannelSelector(calibration,
                        seed), false, ChannelPruning.SPEED_CHANNEL_MULTIPLE), Budget.macs(0.5), false, true),
                new Experiment("prune50-fast-dcp", new ChannelPruningLearner(new DcpChannelSelector(dcp.getFeatures(),
                        dcp.getLabels(), seed), false, ChannelPruning.SPEED_CHANNEL_MULTIPLE), Budget.macs(0.5), false,
                        true),
                new Experiment("prune50-fast-lasso-kept", new ChannelPruningLearner(new LassoChannelSelector(
                        calibration, seed), true, ChannelPruning.SPEED_CHANNEL_MULTIPLE), Budget.macs(0.5), false, true),
                new Experiment("prune50-kd", new ChannelPruningLearner(), Budget.macs(0.5), true),
                new Experiment("prune50-cutfirst", new ChannelPruningLearner(new L1ChannelSelector(), false,
                        FlopsBudget.ANY_COUNT), Budget.macs(0.5), false),
                new Experiment("prune50-lasso-cutfirst", new ChannelPruningLearner(new LassoChannelSelector(
                        calibration, seed), false, FlopsBudget.ANY_COUNT), Budget.macs(0.5), false),
                new Experiment("prune50-dcp-cutfirst", new ChannelPruningLearner(new DcpChannelSelector(
                        dcp.getFeatures(), dcp.getLabels(), seed), false, FlopsBudget.ANY_COUNT), Budget.macs(0.5),
                        false),
                new Experiment("sparse75", new WeightSparsityLearner(), Budget.sparse(0.75), false),
                new Experiment("uniform8", new UniformQuantLearner(), Budget.bits(8), false),
                new Experiment("uniform4", new UniformQuantLearner(), Budget.bits(4), false),
                new Experiment("uniform2", new UniformQuantLearner(), Budget.bits(2), false),
                new Experiment("uniform2-kd", new UniformQuantLearner(), Budget.bits(2), true),
                new Experiment("uniform3", new UniformQuantLearner(), Budget.bits(3), false),
                new Experiment("chain50-8", new ChainLearner(new ChannelPruningLearner(), new UniformQuantLearner()),
                        new Budget(0.5, 8, Double.NaN), false));
    }

    /**
     * For channel pruning: the channels kept per group, each concatenation's branch ranges before and
     * after, and the report's notes (groups the network's structure left whole).
     */
    private static void printChannels(ModelInfo before, ModelInfo after, CompressedModel m) {
        StringBuilder groups = new StringBuilder();
        for (ChannelGroup g : before.groups()) {
            Double ratio = m.settings().get(g.name());
            if (ratio != null && ratio <= 1) { // a quantizer's settings are bits, not kept fractions
                groups.append(String.format(" %s %d->%d", g.name(), g.channels(), Math.round(ratio * g.channels())));
            }
        }
        if (groups.length() > 0) {
            System.out.println("             channels kept per group:" + groups);
        }
        for (LayerInfo l : before.layers()) {
            if (l.role() == ChannelRole.CONCAT && after.hasLayer(l.name())) {
                StringBuilder ranges = new StringBuilder();
                long from = 0;
                long to = 0;
                for (String in : l.inputs()) {
                    long c = before.layer(in).channels();
                    long k = after.layer(in).channels();
                    ranges.append(String.format(" %s [%d,%d)->[%d,%d)", in, from, from + c, to, to + k));
                    from += c;
                    to += k;
                }
                System.out.println("             concat " + l.name() + ":" + ranges);
            }
        }
        m.notes().forEach(n -> System.out.println("             note: " + n));
    }

    /** Median ms of the base and the compressed network at {@code batch}, timed round-robin. */
    private static double[] roundRobin(ComputationGraph base, ComputationGraph compressed, IdxDataset data, int batch) {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, data.shape().channels(), data.shape().height(),
                data.shape().width());
        return LatencyAllocation.medianMillis(new ComputationGraph[]{base, compressed}, x, 30, LATENCY_ITERATIONS);
    }

    /** Base and compressed network in ONNX Runtime (one thread, float export), batch 64 and 1, round-robin. */
    private static String onnxRuntime(ComputationGraph base, CompressedModel m, IdxDataset data) {
        StringBuilder out = new StringBuilder("ONNX Runtime, 1 thread (float export):");
        try {
            for (int batch : new int[]{64, 1}) {
                double[] t = OnnxTiming.medianMillis(new ComputationGraph[]{base, m.graph()}, data.shape(), batch, 30,
                        LATENCY_ITERATIONS);
                out.append(String.format(" b%d base %.3f ms, compressed %.3f ms (%.2fx)", batch, t[0], t[1],
                        t[0] / t[1]));
            }
        } catch (UnsupportedLayerException e) {
            out.append(" no export: ").append(e.getMessage());
        }
        return out.toString();
    }

    private static double accuracy(ComputationGraph g, IdxDataset data, Normalizer norm) {
        return Evaluator.evaluate(g, data.test().batchesInOrder(500, norm)).accuracy();
    }
}
