package org.pocketflow.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * <p>Run: {@code bench/bin/run LearnerFiguresBench MODEL_ZIP [epochs] [experiments]} where
 * MODEL_ZIP is a base model from {@code pocketflow run conf/examples/lenet-baseline.conf} (or any
 * DL4J graph zip, e.g. the concat network {@code ConcatNetworkBench} saves),
 * epochs of fine-tuning (default 3) and a comma list of experiments (default all):
 * {@code prune50, prune50-lasso, prune50-x8 (channel counts in multiples of 8), prune50-lasso-x8,
 * prune50-dcp, prune50-dcp-x8, prune50-fast-lasso and prune50-fast-dcp (first convolution cut, multiples of 8,
 * the allocation timed by {@code Learner.fastest}), prune50-fast-lasso-kept (the same with the first
 * convolution whole), prune50-kd, prune50-cutfirst, prune50-lasso-cutfirst and prune50-dcp-cutfirst (L1,
 * LASSO, DCP with the first convolution's groups pruned too, any count: a network whose first
 * convolution is tied to a concatenation needs it), sparse75, uniform8, uniform4, nonuniform4, uniform2, uniform2-kd,
 * nonuniform2, uniform3, nonuniform3, chain50-8}. Prints figures; asserts nothing.
 */
public final class LearnerFiguresBench {
    private static final long SEED = 42;
    private static final int LATENCY_ITERATIONS = 200;

    private LearnerFiguresBench() {
    }

    /** One row; {@code fastest}: settings from {@code Learner.fastest} (timed allocation) instead of uniform. */
    private record Experiment(String name, Learner learner, Budget budget, boolean distill, boolean fastest) {
        Experiment(String name, Learner learner, Budget budget, boolean distill) {
            this(name, learner, budget, distill, false);
        }
    }

    public static void main(String[] args) {
        String model = args[0];
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<String> wanted = args.length > 2 ? List.of(args[2].split(",")) : List.of();
        boolean onednn = Backend.configure(true);
        IdxDataset data = IdxDataset.open(IdxDataset.DEFAULT_URI);
        ImageSet train = data.train().split(0.1, SEED).train();
        Normalizer norm = Normalizer.fit(train);
        ComputationGraph base = ModelFiles.load(model.contains(":") ? model : "file://" + new java.io.File(model)
                .getAbsolutePath());
        double baseAcc = accuracy(base, data, norm);
        Latency baseLat = Evaluator.latency(base, data.shape(), 30, 100);
        long baseBytes = ModelInfo.of(base, data.shape()).totalBytes();
        System.out.printf("base %s: test accuracy %.4f, %d fp32 weight bytes, latency %.3f / %.3f ms (batch 1 / 64), "
                        + "oneDNN %s, fine-tune %d epoch(s) lr 0.01 cosine on %d images%n", model, baseAcc, baseBytes,
                baseLat.batch1Millis(), baseLat.batch64Millis(), onednn ? "on" : "off", epochs, train.size());

        INDArray calibration = train.batchesInOrder(LearnKeys.CALIBRATION_IMAGES.defaultValue(), norm).next().getFeatures();
        DataSet dcp = train.batchesInOrder(LearnKeys.DCP_IMAGES.defaultValue(), norm).next();
        List<Experiment> all = List.of(
                new Experiment("prune50", new ChannelPruningLearner(), Budget.macs(0.5), false),
                new Experiment("prune50-lasso", new ChannelPruningLearner(new LassoChannelSelector(calibration, SEED),
                        true, FlopsBudget.ANY_COUNT), Budget.macs(0.5), false),
                new Experiment("prune50-x8", new ChannelPruningLearner(new L1ChannelSelector(), true,
                        ChannelPruning.SPEED_CHANNEL_MULTIPLE), Budget.macs(0.5), false),
                new Experiment("prune50-lasso-x8", new ChannelPruningLearner(new LassoChannelSelector(calibration,
                        SEED), true, ChannelPruning.SPEED_CHANNEL_MULTIPLE), Budget.macs(0.5), false),
                new Experiment("prune50-dcp", new ChannelPruningLearner(new DcpChannelSelector(dcp.getFeatures(),
                        dcp.getLabels(), SEED), true, FlopsBudget.ANY_COUNT), Budget.macs(0.5), false),
                new Experiment("prune50-dcp-x8", new ChannelPruningLearner(new DcpChannelSelector(dcp.getFeatures(),
                        dcp.getLabels(), SEED), true, ChannelPruning.SPEED_CHANNEL_MULTIPLE), Budget.macs(0.5), false),
                new Experiment("prune50-fast-lasso", new ChannelPruningLearner(new LassoChannelSelector(calibration,
                        SEED), false, ChannelPruning.SPEED_CHANNEL_MULTIPLE), Budget.macs(0.5), false, true),
                new Experiment("prune50-fast-dcp", new ChannelPruningLearner(new DcpChannelSelector(dcp.getFeatures(),
                        dcp.getLabels(), SEED), false, ChannelPruning.SPEED_CHANNEL_MULTIPLE), Budget.macs(0.5), false,
                        true),
                new Experiment("prune50-fast-lasso-kept", new ChannelPruningLearner(new LassoChannelSelector(
                        calibration, SEED), true, ChannelPruning.SPEED_CHANNEL_MULTIPLE), Budget.macs(0.5), false, true),
                new Experiment("prune50-kd", new ChannelPruningLearner(), Budget.macs(0.5), true),
                new Experiment("prune50-cutfirst", new ChannelPruningLearner(new L1ChannelSelector(), false,
                        FlopsBudget.ANY_COUNT), Budget.macs(0.5), false),
                new Experiment("prune50-lasso-cutfirst", new ChannelPruningLearner(new LassoChannelSelector(
                        calibration, SEED), false, FlopsBudget.ANY_COUNT), Budget.macs(0.5), false),
                new Experiment("prune50-dcp-cutfirst", new ChannelPruningLearner(new DcpChannelSelector(
                        dcp.getFeatures(), dcp.getLabels(), SEED), false, FlopsBudget.ANY_COUNT), Budget.macs(0.5),
                        false),
                new Experiment("sparse75", new WeightSparsityLearner(), Budget.sparse(0.75), false),
                new Experiment("uniform8", new UniformQuantLearner(), Budget.bits(8), false),
                new Experiment("uniform4", new UniformQuantLearner(), Budget.bits(4), false),
                new Experiment("nonuniform4", new NonUniformQuantLearner(), Budget.bits(4), false),
                new Experiment("uniform2", new UniformQuantLearner(), Budget.bits(2), false),
                new Experiment("uniform2-kd", new UniformQuantLearner(), Budget.bits(2), true),
                new Experiment("nonuniform2", new NonUniformQuantLearner(), Budget.bits(2), false),
                new Experiment("uniform3", new UniformQuantLearner(), Budget.bits(3), false),
                new Experiment("nonuniform3", new NonUniformQuantLearner(), Budget.bits(3), false),
                new Experiment("chain50-8", new ChainLearner(new ChannelPruningLearner(), new UniformQuantLearner()),
                        new Budget(0.5, 8, Double.NaN), false));
        TrainingSpec ft = new TrainingSpec(epochs, 64, 0.01, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, SEED, 200);
        List<String> rows = new ArrayList<>();
        for (Experiment e : all) {
            if (!wanted.isEmpty() && !wanted.contains(e.name)) {
                continue;
            }
            FineTuneSpec spec = e.distill ? FineTuneSpec.of(ft).withDistillation(1.0, 4.0) : FineTuneSpec.of(ft);
            long t0 = System.nanoTime();
            Map<String, Double> uniform = e.fastest
                    ? e.learner.fastest(base, data.shape(), e.budget, line -> System.out.println("  " + line))
                    : e.learner.uniform(ModelInfo.of(base, data.shape()), e.budget);
            CompressedModel m = LearnerRun.run(e.learner, base, data.shape(), uniform, e.budget, spec,
                    new ImageSetEpochs(train, norm, 64, SEED), Map.of("seed", String.valueOf(SEED),
                            "dataset-sha256", data.sha256()), s -> { });
            double seconds = (System.nanoTime() - t0) / 1e9;
            double acc = accuracy(m.graph(), data, norm);
            double untuned = accuracy(LearnerRun.run(e.learner, base, data.shape(), uniform, e.budget,
                    FineTuneSpec.none(), new ImageSetEpochs(train, norm, 64, SEED), Map.of(), s -> { }).graph(),
                    data, norm);
            byte[] file = PackedModelFile.toBytes(m.packed());
            double reloaded = accuracy(PackedModelFile.fromBytes(file, e.name).toGraph(), data, norm);
            double[] b1 = roundRobin(base, m.graph(), data, 1);
            double[] b64 = roundRobin(base, m.graph(), data, 64);
            String row = String.format("%-16s acc %.4f (drop %+.2f pts, reloaded %.4f, %.4f before fine-tuning)  MACs %.3f  params %.3f  "
                            + "packed tensors %d B (%.2fx smaller)  file %d B  latency b1 %.3f ms (%.2fx)  b64 %.3f ms (%.2fx)  "
                            + "%.0f s", e.name, acc, 100 * (baseAcc - acc), reloaded, untuned,
                    m.after().macFractionOf(m.before()), m.after().parameterFractionOf(m.before()),
                    m.packed().tensorBytes(), baseBytes / (double) m.packed().tensorBytes(), file.length,
                    b1[1], b1[0] / b1[1], b64[1], b64[0] / b64[1], seconds);
            System.out.println(row);
            System.out.println("             settings " + new LinkedHashMap<>(m.settings()));
            printChannels(ModelInfo.of(base, data.shape()), ModelInfo.of(m.graph(), data.shape()), m);
            rows.add(row);
        }
        System.out.println("\nsummary (drop = base minus compressed test accuracy; latency ratio = base / compressed, "
                + "median of " + LATENCY_ITERATIONS + " round-robin calls each):");
        rows.forEach(System.out::println);
    }

    /**
     * For channel pruning: the channels kept per group, each concatenation's branch ranges before and
     * after, and the report's notes (groups the network's structure left whole).
     */
    private static void printChannels(ModelInfo before, ModelInfo after, CompressedModel m) {
        StringBuilder groups = new StringBuilder();
        for (ChannelGroup g : before.groups()) {
            Double ratio = m.settings().get(g.name());
            if (ratio != null) {
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

    private static double accuracy(ComputationGraph g, IdxDataset data, Normalizer norm) {
        return Evaluator.evaluate(g, data.test().batchesInOrder(500, norm)).accuracy();
    }
}
