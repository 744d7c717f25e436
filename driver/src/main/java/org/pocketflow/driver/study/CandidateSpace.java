package org.pocketflow.driver.study;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.pocketflow.driver.search.Dimension;
import org.pocketflow.driver.search.Point;
import org.pocketflow.driver.search.SearchSpace;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.Knob;
import org.pocketflow.worker.learn.Learner;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * The search space of a learner on one network, and the map from its points to
 * {@link Candidate}s. One dimension per knob, in the learner's visiting order, carrying the
 * knob's layer features (the state of {@code DdpgSampler}); integer knobs (bits) are integer
 * dimensions. With training knobs, three more: the fine-tuning learning rate (log scale, 0.1x to
 * 10x the configured one), the distillation weight in [0, 1] and temperature in [1, 10].
 * Immutable; the learner and model are read only.
 */
public final class CandidateSpace {
    /** Dimension of the fine-tuning learning rate. */
    public static final String LEARNING_RATE = "fine-tune.learning-rate";
    /** Dimension of the distillation weight. */
    public static final String DISTILL_WEIGHT = "distill.weight";
    /** Dimension of the distillation temperature. */
    public static final String DISTILL_TEMPERATURE = "distill.temperature";

    private final Learner learner;
    private final ModelInfo info;
    private final Budget budget;
    private final FineTuneSpec fineTune;
    private final boolean trainingKnobs;
    private final List<Knob> knobs;
    private final SearchSpace space;

    /**
     * @param fineTune      the configured fine-tuning (the training knobs' centre and defaults)
     * @param trainingKnobs whether the fine-tuning knobs join the space; needs {@code fineTune.trains()}
     */
    public CandidateSpace(Learner learner, ModelInfo info, Budget budget, FineTuneSpec fineTune,
                          boolean trainingKnobs) {
        this.learner = learner;
        this.info = info;
        this.budget = budget;
        this.fineTune = fineTune;
        this.trainingKnobs = trainingKnobs && fineTune.trains();
        this.knobs = learner.knobs(info).stream().filter(k -> k.lo() < k.hi()).toList();
        SearchSpace.Builder b = SearchSpace.builder();
        for (Knob k : knobs) {
            b.add(k.integer() ? new Dimension.IntRange(k.name(), (int) Math.ceil(k.lo()), (int) Math.floor(k.hi()),
                    k.features()) : new Dimension.Continuous(k.name(), k.lo(), k.hi(), false, k.features()));
        }
        if (this.trainingKnobs) {
            double lr = fineTune.training().learningRate();
            b.continuous(LEARNING_RATE, lr / 10, lr * 10, true)
                    .continuous(DISTILL_WEIGHT, 0, 1)
                    .continuous(DISTILL_TEMPERATURE, 1, 10);
        }
        if (knobs.isEmpty() && !this.trainingKnobs) {
            throw new IllegalArgumentException(learner.name() + " exposes no adjustable knob on this network, so "
                    + "there is nothing to search. Fix: set pocketflow.search.sampler = none");
        }
        this.space = b.build();
    }

    /** The space samplers propose in. */
    public SearchSpace space() {
        return space;
    }

    /** The learner's uniform settings, and the configured fine-tuning, as a point of the space. */
    public Point uniformPoint() {
        Map<String, Double> uniform = learner.uniform(info, budget);
        Map<String, Object> values = new LinkedHashMap<>();
        for (Knob k : knobs) {
            double v = Math.min(k.hi(), Math.max(k.lo(), uniform.getOrDefault(k.name(), k.hi())));
            values.put(k.name(), k.integer() ? (Object) (int) Math.rint(v) : (Object) v);
        }
        if (trainingKnobs) {
            values.put(LEARNING_RATE, fineTune.training().learningRate());
            values.put(DISTILL_WEIGHT, Math.min(1.0, fineTune.distillationWeight()));
            values.put(DISTILL_TEMPERATURE, Math.min(10.0, Math.max(1.0, fineTune.temperature())));
        }
        Point p = new Point(values);
        space.check(p);
        return p;
    }

    /** The candidate {@code point} stands for, its fine-tuning seeded with {@code trialSeed}. */
    public Candidate candidate(Point point, long trialSeed) {
        space.check(point);
        Map<String, Double> preferred = new LinkedHashMap<>();
        for (Knob k : knobs) {
            preferred.put(k.name(), ((Number) point.get(k.name())).doubleValue());
        }
        Map<String, Double> settings = learner.meetBudget(info, preferred, budget);
        if (!fineTune.trains()) {
            return new Candidate(settings, fineTune);
        }
        TrainingSpec t = fineTune.training();
        double lr = trainingKnobs ? point.getDouble(LEARNING_RATE) : t.learningRate();
        double w = trainingKnobs ? point.getDouble(DISTILL_WEIGHT) : fineTune.distillationWeight();
        double temp = trainingKnobs ? point.getDouble(DISTILL_TEMPERATURE) : fineTune.temperature();
        TrainingSpec seeded = t.with(t.epochs(), lr, trialSeed);
        return new Candidate(settings, new FineTuneSpec(seeded, w, temp));
    }
}
