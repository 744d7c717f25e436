package org.pocketflow.driver.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.pocketflow.worker.runtime.Seeds;

/**
 * Bayesian optimisation with a Gaussian process and expected improvement (Jones, Schonlau, Welch,
 * "Efficient global optimization of expensive black-box functions", J. Global Optim. 13, 1998;
 * Snoek, Larochelle, Adams, "Practical Bayesian optimization of machine learning algorithms",
 * NeurIPS 2012, §3: Matérn-5/2 ARD kernel). Each proposal fits a {@link GaussianProcess} to the
 * completed trials, inputs in the unit cube and objectives standardised (zero mean, unit variance),
 * its length scales, signal variance and noise chosen by maximising the log marginal likelihood
 * from a default start and {@code restarts} random ones. It then maximises
 * EI(x) = (μ − f*) Φ(z) + σ φ(z), z = (μ − f*)/σ, with f* the best objective, over
 * {@code randomCandidates} uniform points plus perturbations of the best three trials, and refines
 * the {@code localStarts} best of them by a shrinking random local search.
 *
 * <p>Integers are evaluated at the centre of their bin and categoricals one-hot encoded (one length
 * scale per choice), so EI is computed at points the space can represent. <b>Running</b> and
 * <b>pruned</b> trials enter the posterior, not the hyper-parameter fit, with the worst completed
 * objective as their value (the "constant liar" of Ginsbourger, Le Riche, Carraro 2010): their
 * neighbourhood loses its expected improvement, so parallel workers do not repeat them. Failed trials
 * are ignored. The first {@code startupTrials} completed trials are {@link RandomSampler} points.
 * Stateless.
 */
public final class GpSampler implements Sampler {
    static final long PURPOSE = 0x5A3B_0003L;

    /**
     * @param startupTrials    completed trials before the model is used, >= 2
     * @param restarts         random starts of the hyper-parameter fit besides the default one, >= 0
     * @param maxEval          likelihood evaluations per start, >= 20
     * @param randomCandidates uniform candidates for EI per proposal, >= 1
     * @param localStarts      candidates refined by local search, >= 0
     * @param localSteps       steps of each local search, >= 0
     */
    public record Settings(int startupTrials, int restarts, int maxEval, int randomCandidates, int localStarts,
                           int localSteps) {
        /** 10 start-up trials, 2 restarts of 200 evaluations, 500 random candidates, 5 local searches of 30 steps. */
        public static final Settings DEFAULT = new Settings(10, 2, 200, 500, 5, 30);

        public Settings {
            require(startupTrials >= 2, "startupTrials must be >= 2", startupTrials);
            require(restarts >= 0, "restarts must be >= 0", restarts);
            require(maxEval >= 20, "maxEval must be >= 20", maxEval);
            require(randomCandidates >= 1, "randomCandidates must be >= 1", randomCandidates);
            require(localStarts >= 0, "localStarts must be >= 0", localStarts);
            require(localSteps >= 0, "localSteps must be >= 0", localSteps);
        }

        private static void require(boolean ok, String what, int got) {
            if (!ok) {
                throw new IllegalArgumentException("gp " + what + ", but got " + got);
            }
        }
    }

    private final long seed;
    private final Settings settings;
    private final RandomSampler startup;

    /** @param seed the study's seed for this sampler; {@link Settings#DEFAULT} */
    public GpSampler(long seed) {
        this(seed, Settings.DEFAULT);
    }

    public GpSampler(long seed, Settings settings) {
        this.seed = seed;
        this.settings = settings;
        this.startup = new RandomSampler(seed);
    }

    @Override
    public Point propose(SearchSpace space, List<Trial> history) {
        History h = History.of(space, history);
        List<Trial> done = h.completed();
        if (done.size() < settings.startupTrials()) {
            return startup.draw(space, h.nextIndex());
        }
        SplittableRandom rng = Seeds.stream(seed, PURPOSE, h.nextIndex());
        int n = done.size();
        double[][] x = new double[n][];
        double[] y = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            x[i] = encode(space, space.toUnit(done.get(i).params()));
            y[i] = done.get(i).objective();
            mean += y[i] / n;
        }
        double var = 0;
        for (double v : y) {
            var += (v - mean) * (v - mean) / n;
        }
        double sd = var > 1e-24 ? Math.sqrt(var) : 1.0;
        double best = Double.NEGATIVE_INFINITY;
        double worst = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            y[i] = (y[i] - mean) / sd;
            best = Math.max(best, y[i]);
            worst = Math.min(worst, y[i]);
        }
        GaussianProcess gp = GaussianProcess.fit(x, y, rng, settings.restarts(), settings.maxEval());
        gp = withLiars(gp, space, h, x, y, worst);
        return space.fromUnit(maximiseEi(space, gp, best, h.completedBestFirst(), rng));
    }

    private static GaussianProcess withLiars(GaussianProcess gp, SearchSpace space, History h, double[][] x,
                                             double[] y, double lie) {
        List<Trial> pending = new ArrayList<>(h.running());
        pending.addAll(h.pruned());
        if (pending.isEmpty()) {
            return gp;
        }
        double[][] x2 = Arrays.copyOf(x, x.length + pending.size());
        double[] y2 = Arrays.copyOf(y, y.length + pending.size());
        for (int i = 0; i < pending.size(); i++) {
            x2[x.length + i] = encode(space, space.toUnit(pending.get(i).params()));
            y2[y.length + i] = lie;
        }
        return gp.condition(x2, y2);
    }

    private double[] maximiseEi(SearchSpace space, GaussianProcess gp, double best, List<Trial> ranked,
                                SplittableRandom rng) {
        int d = space.size();
        int keep = Math.max(1, settings.localStarts());
        double[][] top = new double[keep][];
        double[] topEi = new double[keep];
        Arrays.fill(topEi, Double.NEGATIVE_INFINITY);
        int perturbations = 16;
        int total = settings.randomCandidates() + Math.min(3, ranked.size()) * perturbations;
        for (int c = 0; c < total; c++) {
            double[] u;
            if (c < settings.randomCandidates()) {
                u = new double[d];
                for (int i = 0; i < d; i++) {
                    u[i] = rng.nextDouble();
                }
            } else {
                int which = (c - settings.randomCandidates()) / perturbations;
                u = perturb(space, space.toUnit(ranked.get(which).params()), 0.05, rng);
            }
            insert(top, topEi, u, expectedImprovement(gp, encode(space, u), best));
        }
        double[] bestU = top[0];
        double bestEi = topEi[0];
        for (int s = 0; s < settings.localStarts() && top[s] != null; s++) {
            double[] u = top[s];
            double ei = topEi[s];
            double step = 0.1;
            for (int k = 0; k < settings.localSteps(); k++) {
                double[] v = perturb(space, u, step, rng);
                double e = expectedImprovement(gp, encode(space, v), best);
                if (e > ei) {
                    u = v;
                    ei = e;
                } else {
                    step = Math.max(1e-3, step * 0.7);
                }
            }
            if (ei > bestEi) {
                bestEi = ei;
                bestU = u;
            }
        }
        return bestU;
    }

    private static void insert(double[][] top, double[] topEi, double[] u, double ei) {
        int pos = top.length;
        while (pos > 0 && ei > topEi[pos - 1]) {
            pos--;
        }
        if (pos == top.length) {
            return;
        }
        System.arraycopy(top, pos, top, pos + 1, top.length - pos - 1);
        System.arraycopy(topEi, pos, topEi, pos + 1, topEi.length - pos - 1);
        top[pos] = u;
        topEi[pos] = ei;
    }

    /** Gaussian steps of size {@code step} on numeric coordinates; a categorical is redrawn with probability 1/d. */
    private static double[] perturb(SearchSpace space, double[] u, double step, SplittableRandom rng) {
        double[] v = u.clone();
        for (int i = 0; i < v.length; i++) {
            if (space.dimension(i) instanceof Dimension.Categorical) {
                if (rng.nextDouble() < 1.0 / v.length) {
                    v[i] = rng.nextDouble();
                }
            } else {
                v[i] = Math.min(1, Math.max(0, v[i] + step * TruncatedNormal.standard(rng)));
            }
        }
        return v;
    }

    static double expectedImprovement(GaussianProcess gp, double[] x, double best) {
        double[] mv = gp.predict(x);
        double s = Math.sqrt(mv[1]);
        double diff = mv[0] - best;
        double z = diff / s;
        return diff * TruncatedNormal.cdf(z) + s * TruncatedNormal.pdf(z);
    }

    /** The GP's inputs: numeric coordinates at their representable value, categoricals one-hot. */
    static double[] encode(SearchSpace space, double[] u) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < u.length; i++) {
            Dimension d = space.dimension(i);
            if (d instanceof Dimension.Categorical c) {
                int k = c.choices().size();
                int j = Math.min(k - 1, (int) Math.floor(u[i] * k));
                for (int m = 0; m < k; m++) {
                    out.add(m == j ? 1.0 : 0.0);
                }
            } else if (d instanceof Dimension.IntRange r) {
                out.add(r.toUnit(r.fromUnit(u[i])));
            } else {
                out.add(Math.min(1, Math.max(0, u[i])));
            }
        }
        double[] x = new double[out.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = out.get(i);
        }
        return x;
    }
}
