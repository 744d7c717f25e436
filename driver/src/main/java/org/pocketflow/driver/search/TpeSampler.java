package org.pocketflow.driver.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.pocketflow.worker.runtime.Seeds;

/**
 * Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio, Kégl, "Algorithms for
 * hyper-parameter optimization", NeurIPS 2011, §4). The completed trials are split at the
 * {@code gamma} quantile of the objective: the best {@code ceil(gamma n)} give l(x), the rest
 * g(x) (eq. 2, with y* the quantile; maximising here, so "below" means better). Since expected
 * improvement is monotone in l(x)/g(x) (§4.1, EI ∝ (γ + (1 − γ) g(x)/l(x))⁻¹), the sampler draws
 * {@code candidates} points from l and returns the one with the largest log l(x) − log g(x).
 *
 * <p>Dimensions are modelled independently. Continuous ones with a {@link ParzenEstimator} in the
 * unit cube (log scales are already linear there); integers with the same estimator's mass over
 * the integer's bin (a quantised Parzen estimator); categoricals with smoothed counts, each choice
 * getting {@code priorWeight / k} pseudo-observations.
 *
 * <p>The first {@code startupTrials} completed trials are {@link RandomSampler} points (the same
 * ones a random sampler of this seed would give). <b>Running</b> and <b>pruned</b> trials join g, as
 * a pessimistic constant liar: parallel workers are steered away from points being evaluated or
 * judged unpromising. Failed trials are ignored. Stateless.
 */
public final class TpeSampler implements Sampler {
    static final long PURPOSE = 0x5A3B_0002L;

    /**
     * @param startupTrials completed trials before the model is used (random until then), >= 1
     * @param gamma         fraction of the completed trials in l(x), in (0, 1)
     * @param candidates    draws from l(x) per proposal, >= 1
     * @param priorWeight   weight of the prior component of every estimator, > 0
     */
    public record Settings(int startupTrials, double gamma, int candidates, double priorWeight) {
        /** The paper's and hyperopt's defaults: 10 start-up trials, gamma 0.25, 24 candidates, prior weight 1. */
        public static final Settings DEFAULT = new Settings(10, 0.25, 24, 1.0);

        public Settings {
            if (startupTrials < 1) {
                throw new IllegalArgumentException("tpe startupTrials must be >= 1, but got " + startupTrials);
            }
            if (!(gamma > 0 && gamma < 1)) {
                throw new IllegalArgumentException("tpe gamma must be in (0, 1), but got " + gamma);
            }
            if (candidates < 1) {
                throw new IllegalArgumentException("tpe candidates must be >= 1, but got " + candidates);
            }
            if (!(priorWeight > 0 && Double.isFinite(priorWeight))) {
                throw new IllegalArgumentException("tpe priorWeight must be > 0, but got " + priorWeight);
            }
        }
    }

    private final long seed;
    private final Settings settings;
    private final RandomSampler startup;

    /** @param seed the study's seed for this sampler; {@link Settings#DEFAULT} */
    public TpeSampler(long seed) {
        this(seed, Settings.DEFAULT);
    }

    public TpeSampler(long seed, Settings settings) {
        this.seed = seed;
        this.settings = settings;
        this.startup = new RandomSampler(seed);
    }

    @Override
    public Point propose(SearchSpace space, List<Trial> history) {
        History h = History.of(space, history);
        List<Trial> ranked = h.completedBestFirst();
        if (ranked.size() < settings.startupTrials()) {
            return startup.draw(space, h.nextIndex());
        }
        int nBelow = Math.max(1, (int) Math.ceil(settings.gamma() * ranked.size()));
        List<double[]> below = new ArrayList<>();
        List<double[]> above = new ArrayList<>();
        for (int i = 0; i < ranked.size(); i++) {
            (i < nBelow ? below : above).add(space.toUnit(ranked.get(i).params()));
        }
        for (Trial t : h.running()) {
            above.add(space.toUnit(t.params()));
        }
        for (Trial t : h.pruned()) {
            above.add(space.toUnit(t.params()));
        }

        SplittableRandom rng = Seeds.stream(seed, PURPOSE, h.nextIndex());
        int d = space.size();
        double[][] candidates = new double[settings.candidates()][d];
        double[] score = new double[settings.candidates()];
        for (int i = 0; i < d; i++) {
            Dimension dim = space.dimension(i);
            double[] b = column(below, i);
            double[] a = column(above, i);
            if (dim instanceof Dimension.Categorical c) {
                scoreCategorical(c.choices().size(), b, a, rng, candidates, score, i);
            } else {
                ParzenEstimator l = new ParzenEstimator(b, settings.priorWeight());
                ParzenEstimator g = new ParzenEstimator(a, settings.priorWeight());
                int bins = dim instanceof Dimension.IntRange r ? r.size() : 0;
                for (int c = 0; c < candidates.length; c++) {
                    double u = l.sample(rng);
                    if (bins > 0) {
                        int k = Math.min(bins - 1, (int) Math.floor(u * bins));
                        u = (k + 0.5) / bins;
                        score[c] += l.logMass((double) k / bins, (k + 1.0) / bins)
                                - g.logMass((double) k / bins, (k + 1.0) / bins);
                    } else {
                        score[c] += l.logDensity(u) - g.logDensity(u);
                    }
                    candidates[c][i] = u;
                }
            }
        }
        int best = 0;
        for (int c = 1; c < score.length; c++) {
            if (score[c] > score[best]) {
                best = c;
            }
        }
        return space.fromUnit(candidates[best]);
    }

    private void scoreCategorical(int k, double[] below, double[] above, SplittableRandom rng,
                                  double[][] candidates, double[] score, int dim) {
        double[] l = choiceProbabilities(k, below);
        double[] g = choiceProbabilities(k, above);
        for (int c = 0; c < candidates.length; c++) {
            double r = rng.nextDouble();
            int j = 0;
            while (j < k - 1 && (r -= l[j]) > 0) {
                j++;
            }
            candidates[c][dim] = (j + 0.5) / k;
            score[c] += Math.log(l[j]) - Math.log(g[j]);
        }
    }

    private double[] choiceProbabilities(int k, double[] unit) {
        double[] p = new double[k];
        Arrays.fill(p, settings.priorWeight() / k);
        for (double u : unit) {
            p[Math.min(k - 1, (int) Math.floor(u * k))] += 1;
        }
        double total = unit.length + settings.priorWeight();
        for (int j = 0; j < k; j++) {
            p[j] /= total;
        }
        return p;
    }

    private static double[] column(List<double[]> rows, int i) {
        double[] c = new double[rows.size()];
        for (int r = 0; r < c.length; r++) {
            c[r] = rows.get(r)[i];
        }
        return c;
    }
}
