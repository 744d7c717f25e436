package org.pocketflow.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.driver.search.DdpgSampler;
import org.pocketflow.driver.search.GpSampler;
import org.pocketflow.driver.search.Point;
import org.pocketflow.driver.search.RandomSampler;
import org.pocketflow.driver.search.Sampler;
import org.pocketflow.driver.search.TpeSampler;
import org.pocketflow.driver.search.Trial;
import org.pocketflow.driver.study.CandidateSpace;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.learn.BatchNormReestimation;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.LayerFeatures;
import org.pocketflow.worker.learn.prune.ChannelPruningLearner;
import org.pocketflow.worker.learn.prune.FlopsBudget;
import org.pocketflow.worker.learn.prune.L1ChannelSelector;
import org.pocketflow.worker.model.ModelFiles;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.runtime.Backend;

/**
 * The samplers on AMC's task rather than on test functions: per-layer channel-pruning ratios of a
 * trained network under a MAC budget (L1 selection, every group prunable, the first convolution's
 * included), each candidate scored, as in AMC's search, by its accuracy without fine-tuning on
 * held-out validation images (the base model's 10% split, seed 42). Every sampler gets the same
 * trial budget and the same seeds; the study is sequential. Prints, per sampler, the mean and
 * sample standard deviation over seeds of the best validation accuracy after each checkpoint, the
 * test accuracy of the best candidate, and the uniform ratios' accuracies for reference.
 *
 * <p>Run: {@code bench/bin/run PruningSamplerBench MODEL_ZIP [mac-fraction] [trials] [seeds]
 * [validation-images] [samplers] [proposed|realised] [plain|bn]}, defaults 0.3, 24, {@code 1,2,3}, 2000,
 * {@code random,tpe,gp,ddpg,ddpg-tuned}, {@code proposed} and {@code plain}: the trials the samplers
 * learn from carry the point they proposed, as in a study, or ({@code realised}) the per-layer ratios
 * the budget projection made of it; {@code bn} scores each candidate after re-estimating its batch
 * norms' statistics on {@value #BN_IMAGES} training images ({@link BatchNormReestimation}, as a
 * study's channel pruning does), so that a residual network cut by half, whose plain
 * accuracy is near chance, is scored by what its weights still know. Prints figures; asserts nothing.
 */
public final class PruningSamplerBench {
    private static final long SPLIT_SEED = 42;
    private static final int BN_IMAGES = 256;
    private static final DdpgSampler.Settings TUNED = new DdpgSampler.Settings(64, 1e-3, 1e-3, 0.01, 1.0, 64, 2000, 5,
            0.3, 0.9, 0.95, 50);
    private static final DdpgSampler.Settings SLOW = new DdpgSampler.Settings(64, 1e-3, 1e-3, 0.01, 1.0, 64, 2000, 10,
            0.5, 0.99, 0.95, 20);

    private PruningSamplerBench() {
    }

    public static void main(String[] args) {
        String model = args[0];
        double fraction = args.length > 1 ? Double.parseDouble(args[1]) : 0.3;
        int trials = args.length > 2 ? Integer.parseInt(args[2]) : 24;
        long[] seeds = Arrays.stream((args.length > 3 ? args[3] : "1,2,3").split(",")).mapToLong(Long::parseLong)
                .toArray();
        int images = args.length > 4 ? Integer.parseInt(args[4]) : 2000;
        List<String> names = List.of((args.length > 5 ? args[5] : "random,tpe,gp,ddpg,ddpg-tuned").split(","));
        boolean realised = args.length > 6 && args[6].equals("realised");
        boolean bn = args.length > 7 && args[7].equals("bn");
        Backend.configure(true);
        IdxDataset data = IdxDataset.open(IdxDataset.DEFAULT_URI);
        ImageSet.Split split = data.train().split(0.1, SPLIT_SEED);
        Normalizer norm = Normalizer.fit(split.train());
        ImageSet validation = split.validation().limit(images);
        BatchNormReestimation calibration = bn ? new BatchNormReestimation(
                split.train().batchesInOrder(BN_IMAGES, norm).next().getFeatures()) : BatchNormReestimation.OFF;
        ComputationGraph base = ModelFiles.load("file://" + new java.io.File(model).getAbsolutePath());
        ChannelPruningLearner learner = new ChannelPruningLearner(new L1ChannelSelector(), false,
                FlopsBudget.ANY_COUNT);
        Budget budget = Budget.macs(fraction);
        ModelInfo info = ModelInfo.of(base, data.shape());
        CandidateSpace space = new CandidateSpace(learner, info, budget, FineTuneSpec.none(), false);
        Map<String, Double> uniform = learner.uniform(info, budget);
        ComputationGraph u = scored(learner.compress(base, data.shape(), uniform, budget).graph(), calibration);
        System.out.printf(Locale.ROOT, "%s at %.2f of the MACs, %d dimensions %s, %d trials, seeds %s, %d validation "
                        + "images, %s, batch norms %s; uniform ratios: validation %.4f, test %.4f; base validation "
                        + "(scored the same way) %.4f%n", model, fraction, space.space().size(), space.space().names(), trials,
                Arrays.toString(seeds), validation.size(), realised ? "realised" : "proposed",
                bn ? "re-estimated on " + BN_IMAGES + " training images" : "as trained",
                accuracy(u, validation, norm), accuracy(u, data.test(), norm),
                accuracy(scored(base, calibration), validation, norm));
        int[] checkpoints = {trials / 3, 2 * trials / 3, trials};
        List<String> summary = new ArrayList<>();
        for (String name : names) {
            LongFunction<Sampler> make = sampler(name);
            double[][] best = new double[checkpoints.length][seeds.length];
            double[] test = new double[seeds.length];
            long t0 = System.nanoTime();
            for (int s = 0; s < seeds.length; s++) {
                Sampler sampler = make.apply(seeds[s]);
                List<Trial> history = new ArrayList<>();
                double bestValue = Double.NEGATIVE_INFINITY;
                Map<String, Double> bestSettings = null;
                for (int i = 0; i < trials; i++) {
                    Point p = sampler.propose(space.space(), List.copyOf(history));
                    Map<String, Double> settings = space.candidate(p, seeds[s]).settings();
                    double acc = accuracy(scored(learner.compress(base, data.shape(), settings, budget).graph(),
                            calibration), validation, norm);
                    history.add(Trial.complete(i, realised ? realised(space, p, settings) : p, acc));
                    if (acc > bestValue) {
                        bestValue = acc;
                        bestSettings = settings;
                    }
                    for (int c = 0; c < checkpoints.length; c++) {
                        if (i + 1 == checkpoints[c]) {
                            best[c][s] = bestValue;
                        }
                    }
                }
                test[s] = accuracy(scored(learner.compress(base, data.shape(), bestSettings, budget).graph(),
                        calibration), data.test(), norm);
                System.out.printf(Locale.ROOT, "%-11s seed %d best validation %.4f test %.4f  %s%n", name, seeds[s],
                        bestValue, test[s], new LinkedHashMap<>(bestSettings));
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-11s", name));
            for (int c = 0; c < checkpoints.length; c++) {
                line.append(String.format(Locale.ROOT, "  after %2d: %s", checkpoints[c], meanStd(best[c])));
            }
            line.append(String.format(Locale.ROOT, "  test of best: %s  (%.0f s)", meanStd(test),
                    (System.nanoTime() - t0) / 1e9));
            summary.add(line.toString());
        }
        System.out.println("\nbest validation accuracy (%), mean +- sample standard deviation over seeds:");
        summary.forEach(System.out::println);
    }

    /**
     * The contenders; {@code ddpg-tuned}: 5 random warm-up episodes instead of 10 (a third of a
     * 16-trial budget is then left to the agent), exploration σ from 0.3 decaying 0.9 per episode
     * instead of 0.5 and 0.95, 50 updates per episode instead of 20; {@code ddpg-amc}: the default
     * with AMC's reduced and remaining MACs in the state (each group's share: its first producer's);
     * {@code ddpg-amc-tuned}: both; {@code ddpg-slow} and {@code ddpg-amc-slow}: exploration σ decaying
     * 0.99 per episode instead of 0.95, so that it has not vanished after a hundred episodes.
     */
    private static LongFunction<Sampler> sampler(String name) {
        return switch (name) {
            case "random" -> RandomSampler::new;
            case "tpe" -> TpeSampler::new;
            case "gp" -> GpSampler::new;
            case "ddpg" -> DdpgSampler::new;
            case "ddpg-tuned" -> seed -> new DdpgSampler(seed, TUNED);
            case "ddpg-amc-tuned" -> seed -> new DdpgSampler(seed, TUNED.withCostFeature(LayerFeatures.MAC_SHARE));
            case "ddpg-amc" -> seed -> new DdpgSampler(seed, DdpgSampler.Settings.DEFAULT.withCostFeature(
                    LayerFeatures.MAC_SHARE));
            case "ddpg-slow" -> seed -> new DdpgSampler(seed, SLOW);
            case "ddpg-amc-slow" -> seed -> new DdpgSampler(seed, SLOW.withCostFeature(LayerFeatures.MAC_SHARE));
            default -> throw new IllegalArgumentException("unknown sampler " + name
                    + "; known: random, tpe, gp, ddpg, ddpg-tuned, ddpg-amc, ddpg-amc-tuned, ddpg-slow, ddpg-amc-slow");
        };
    }

    /**
     * The point of the settings the budget projection actually applied ({@code proposed} where they
     * fall outside the space), so a sampler learns what was evaluated rather than what it asked for.
     */
    private static Point realised(CandidateSpace space, Point proposed, Map<String, Double> settings) {
        Map<String, Object> values = new LinkedHashMap<>(proposed.values());
        for (String name : space.space().names()) {
            Double v = settings.get(name);
            if (v != null) {
                values.put(name, v);
            }
        }
        Point p = new Point(values);
        try {
            space.space().check(p);
            return p;
        } catch (IllegalArgumentException e) {
            return proposed;
        }
    }

    /**
     * A copy of {@code original} with its batch norms re-estimated (a copy, because the base is scored
     * this way too), or {@code original} when re-estimation is off.
     */
    private static ComputationGraph scored(ComputationGraph original, BatchNormReestimation batchNorms) {
        if (batchNorms.images() == 0) {
            return original;
        }
        ComputationGraph g = original.clone();
        batchNorms.apply(g);
        return g;
    }

    private static double accuracy(ComputationGraph g, ImageSet images, Normalizer norm) {
        return Evaluator.evaluate(g, images.batchesInOrder(500, norm)).accuracy();
    }

    private static String meanStd(double[] v) {
        double m = Arrays.stream(v).average().orElse(Double.NaN);
        double ss = Arrays.stream(v).map(x -> (x - m) * (x - m)).sum();
        double sd = v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0;
        return String.format(Locale.ROOT, "%.2f +- %.2f", 100 * m, 100 * sd);
    }
}
