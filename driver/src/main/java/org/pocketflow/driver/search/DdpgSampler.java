package org.pocketflow.driver.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.pocketflow.worker.runtime.Seeds;

/**
 * Layer-by-layer search with a DDPG agent, as in AMC (He, Lin, Liu, Wang, Li, Han, "AMC: AutoML
 * for model compression and acceleration on mobile devices", ECCV 2018, §3). A trial is an
 * episode whose steps are the space's dimensions in order. The state of step i is the dimension's
 * {@code features} (each column min-max normalised across the dimensions), i / (T − 1) and the
 * previous step's action; the actor's action a ∈ [0, 1] is the dimension's unit coordinate
 * (integers and categoricals take the bin it falls in, and the bin centre is what the agent
 * remembers). When a trial completes, every step of its episode receives the same reward: its
 * objective minus a moving-average baseline (decay {@code baselineDecay}), divided by the standard
 * deviation of the objectives seen so far so the learning rates suit any objective scale. With a
 * {@code costFeature} column (the dimension's share of the network's cost, e.g. its MAC share),
 * the state also carries AMC's budget features: the cost the earlier steps removed, Σ_{j<i} c_j (1 − a_j),
 * and the cost still ahead, Σ_{j>i} c_j, each share c over the shares' sum (the action read as the
 * kept fraction).
 *
 * <p>Exploration: the first {@code warmupEpisodes} proposals (counted in completed trials) are
 * {@link RandomSampler} points; afterwards each action is drawn from N(μ(s), σ²) truncated to [0, 1],
 * σ = {@code sigma0} · {@code sigmaDecay}^(episodes since warm-up). The agent ({@link DdpgAgent})
 * runs {@code updatesPerEpisode} minibatch updates after each completed episode once warm-up is over.
 *
 * <p><b>State and replay.</b> The agent is a function of the completed trials taken in order of
 * their numbers: the instance keeps it, extends it when the history grows by newly completed trials
 * that come after the ones it has learned from, and rebuilds it from the history otherwise (another
 * space, another history, or trials completing out of order), so the proposal stays a function of
 * (seed, space, history). <b>Running</b> trials are not learned from; their presence changes the
 * proposal's index and so its exploration noise. Failed and pruned trials are ignored. Not thread-safe:
 * calls are serialised by {@code synchronized}.
 */
public final class DdpgSampler implements Sampler {
    static final long PURPOSE_INIT = 0x5A3B_0004L;
    static final long PURPOSE_ACT = 0x5A3B_0005L;
    static final long PURPOSE_TRAIN = 0x5A3B_0006L;

    /**
     * @param hidden             units in each of the two hidden layers of actor and critic (AMC: 300)
     * @param actorLearningRate  Adam step of the actor (AMC: 1e-4)
     * @param criticLearningRate Adam step of the critic (AMC: 1e-3)
     * @param tau                soft target update rate (AMC: 0.01)
     * @param discount           γ (AMC: 1, every step shares the episode's reward)
     * @param batchSize          minibatch size (AMC: 64)
     * @param bufferSize         replay buffer capacity in transitions (AMC: 2000)
     * @param warmupEpisodes     random episodes before the actor is used, >= 1
     * @param sigma0             initial exploration standard deviation in action units (AMC: 0.5)
     * @param sigmaDecay         σ factor per episode after warm-up, in (0, 1] (AMC: 0.95)
     * @param baselineDecay      moving-average factor of the reward baseline, in [0, 1) (AMC: 0.95)
     * @param updatesPerEpisode  minibatch updates after each completed episode, >= 0
     * @param costFeature        the feature column holding each dimension's share of the cost, which adds
     *                           the reduced and remaining cost to the state; -1 for none
     */
    public record Settings(int hidden, double actorLearningRate, double criticLearningRate, double tau,
                           double discount, int batchSize, int bufferSize, int warmupEpisodes, double sigma0,
                           double sigmaDecay, double baselineDecay, int updatesPerEpisode, int costFeature) {
        /**
         * AMC's values except a smaller network (64 units), a 1e-3 actor step, 10 warm-up episodes and
         * 20 updates per episode, sized for studies of tens of trials rather than hundreds of episodes.
         */
        public static final Settings DEFAULT = new Settings(64, 1e-3, 1e-3, 0.01, 1.0, 64, 2000, 10, 0.5, 0.95,
                0.95, 20);

        /** Without budget features ({@code costFeature} -1). */
        public Settings(int hidden, double actorLearningRate, double criticLearningRate, double tau, double discount,
                        int batchSize, int bufferSize, int warmupEpisodes, double sigma0, double sigmaDecay,
                        double baselineDecay, int updatesPerEpisode) {
            this(hidden, actorLearningRate, criticLearningRate, tau, discount, batchSize, bufferSize, warmupEpisodes,
                    sigma0, sigmaDecay, baselineDecay, updatesPerEpisode, -1);
        }

        /** These settings with the reduced and remaining cost in the state, read from feature column {@code column}. */
        public Settings withCostFeature(int column) {
            return new Settings(hidden, actorLearningRate, criticLearningRate, tau, discount, batchSize, bufferSize,
                    warmupEpisodes, sigma0, sigmaDecay, baselineDecay, updatesPerEpisode, column);
        }

        public Settings {
            require(hidden >= 1, "hidden must be >= 1", hidden);
            require(actorLearningRate > 0 && criticLearningRate > 0, "learning rates must be > 0",
                    Math.min(actorLearningRate, criticLearningRate));
            require(tau > 0 && tau <= 1, "tau must be in (0, 1]", tau);
            require(discount >= 0 && discount <= 1, "discount must be in [0, 1]", discount);
            require(batchSize >= 1, "batchSize must be >= 1", batchSize);
            require(bufferSize >= 1, "bufferSize must be >= 1", bufferSize);
            require(warmupEpisodes >= 1, "warmupEpisodes must be >= 1", warmupEpisodes);
            require(sigma0 > 0, "sigma0 must be > 0", sigma0);
            require(sigmaDecay > 0 && sigmaDecay <= 1, "sigmaDecay must be in (0, 1]", sigmaDecay);
            require(baselineDecay >= 0 && baselineDecay < 1, "baselineDecay must be in [0, 1)", baselineDecay);
            require(updatesPerEpisode >= 0, "updatesPerEpisode must be >= 0", updatesPerEpisode);
            require(costFeature >= -1, "costFeature must be a feature column or -1", costFeature);
        }

        private static void require(boolean ok, String what, double got) {
            if (!ok) {
                throw new IllegalArgumentException("ddpg " + what + ", but got " + got);
            }
        }
    }

    private final long seed;
    private final Settings settings;
    private final RandomSampler startup;

    private SearchSpace learnedSpace;
    private final List<Trial> learned = new ArrayList<>();
    private DdpgAgent agent;
    private double[][] states;
    /** Each dimension's cost share over the shares' sum; null without a cost feature. */
    private double[] costs;
    private double baseline;
    private double objectiveMean;
    private double objectiveM2;

    /** @param seed the study's seed for this sampler; {@link Settings#DEFAULT} */
    public DdpgSampler(long seed) {
        this(seed, Settings.DEFAULT);
    }

    public DdpgSampler(long seed, Settings settings) {
        this.seed = seed;
        this.settings = settings;
        this.startup = new RandomSampler(seed);
    }

    @Override
    public synchronized Point propose(SearchSpace space, List<Trial> history) {
        History h = History.of(space, history);
        learnFrom(space, h.completed());
        int episode = h.nextIndex();
        if (learned.size() < settings.warmupEpisodes()) {
            return startup.draw(space, episode);
        }
        SplittableRandom rng = Seeds.stream(seed, PURPOSE_ACT, episode);
        double sigma = settings.sigma0()
                * Math.pow(settings.sigmaDecay(), Math.max(0, episode - settings.warmupEpisodes()));
        double[] u = new double[space.size()];
        double[] taken = new double[u.length];
        for (int i = 0; i < u.length; i++) {
            double mu = agent.act(state(i, taken));
            double a = TruncatedNormal.sample(rng, mu, sigma, 0, 1);
            Dimension d = space.dimension(i);
            u[i] = a;
            taken[i] = d.toUnit(d.fromUnit(a));
        }
        return space.fromUnit(u);
    }

    /** Extends the agent by the newly completed trials, or rebuilds it when they do not extend what it learned. */
    private void learnFrom(SearchSpace space, List<Trial> completed) {
        boolean extendsLearned = space.equals(learnedSpace) && completed.size() >= learned.size()
                && completed.subList(0, learned.size()).equals(learned);
        if (!extendsLearned) {
            reset(space);
        }
        for (int k = learned.size(); k < completed.size(); k++) {
            learnEpisode(space, completed.get(k), k);
            learned.add(completed.get(k));
        }
    }

    private void reset(SearchSpace space) {
        learnedSpace = space;
        learned.clear();
        states = normalisedFeatures(space);
        costs = settings.costFeature() >= 0 ? costShares(space, settings.costFeature()) : null;
        agent = new DdpgAgent(space.featureLength() + (costs != null ? 4 : 2), settings,
                Seeds.stream(seed, PURPOSE_INIT, 0));
        baseline = 0;
        objectiveMean = 0;
        objectiveM2 = 0;
    }

    /** Stores the T transitions of completed trial {@code k} (in learning order) and trains after warm-up. */
    private void learnEpisode(SearchSpace space, Trial trial, int k) {
        double r = trial.objective();
        int count = k + 1;
        double delta = r - objectiveMean;
        objectiveMean += delta / count;
        objectiveM2 += delta * (r - objectiveMean);
        double sd = count > 1 ? Math.sqrt(objectiveM2 / (count - 1)) : 0;
        if (k == 0) {
            baseline = r;
        }
        double reward = (r - baseline) / (sd > 1e-12 ? sd : 1);
        baseline = settings.baselineDecay() * baseline + (1 - settings.baselineDecay()) * r;

        double[] actions = space.toUnit(trial.params());
        for (int i = 0; i < actions.length; i++) {
            double[] s = state(i, actions);
            double[] next = i + 1 < actions.length ? state(i + 1, actions) : null;
            agent.remember(new DdpgAgent.Transition(s, actions[i], reward, next));
        }
        if (count >= settings.warmupEpisodes()) {
            SplittableRandom rng = Seeds.stream(seed, PURPOSE_TRAIN, k);
            for (int u = 0; u < settings.updatesPerEpisode(); u++) {
                agent.update(rng);
            }
        }
    }

    /** The state of {@code step}, of which only {@code actions[0..step)} are read. */
    private double[] state(int step, double[] actions) {
        double[] f = states[step];
        double[] s = Arrays.copyOf(f, f.length + (costs != null ? 4 : 2));
        s[f.length] = states.length > 1 ? (double) step / (states.length - 1) : 0;
        s[f.length + 1] = step > 0 ? actions[step - 1] : 0;
        if (costs != null) {
            double reduced = 0;
            double rest = 0;
            for (int j = 0; j < costs.length; j++) {
                if (j < step) {
                    reduced += costs[j] * (1 - actions[j]);
                } else if (j > step) {
                    rest += costs[j];
                }
            }
            s[f.length + 2] = reduced;
            s[f.length + 3] = rest;
        }
        return s;
    }

    /** Column {@code column} of the raw features, over its sum (equal shares when it sums to 0). */
    private static double[] costShares(SearchSpace space, int column) {
        if (column >= space.featureLength()) {
            throw new IllegalArgumentException("ddpg costFeature " + column + " is not a feature column: the space has "
                    + space.featureLength() + " features per dimension");
        }
        double[] c = new double[space.size()];
        double sum = 0;
        for (int i = 0; i < c.length; i++) {
            c[i] = Math.max(0, space.features(i)[column]);
            sum += c[i];
        }
        for (int i = 0; i < c.length; i++) {
            c[i] = sum > 0 ? c[i] / sum : 1.0 / c.length;
        }
        return c;
    }

    /** Each feature column scaled to [0, 1] across the dimensions (AMC §3.2); constant columns read 0. */
    private static double[][] normalisedFeatures(SearchSpace space) {
        int n = space.size();
        int f = space.featureLength();
        double[][] s = new double[n][];
        for (int i = 0; i < n; i++) {
            s[i] = space.features(i);
        }
        for (int j = 0; j < f; j++) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double[] row : s) {
                lo = Math.min(lo, row[j]);
                hi = Math.max(hi, row[j]);
            }
            for (double[] row : s) {
                row[j] = hi > lo ? (row[j] - lo) / (hi - lo) : 0;
            }
        }
        return s;
    }
}
