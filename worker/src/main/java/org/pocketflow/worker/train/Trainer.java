package org.pocketflow.worker.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.pocketflow.conf.TrainKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Full-precision training of a ComputationGraph with SGD + Nesterov momentum, a learning-rate
 * schedule and weight decay, reporting progress (epoch, step, loss, samples/s, ETA).
 *
 * <p>Call order: {@link #withOptimizer(ComputationGraph, TrainingSpec, long)} once to give a
 * (zoo or user) network the job's optimizer, then {@link #fit}. The graph passed to {@code fit}
 * is modified in place and owned by the caller; the trainer keeps no state between calls.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final TrainingSpec spec;
    private final Consumer<String> progress;
    private final String learningRateKey;
    private final ToDoubleFunction<ComputationGraph> epochAccuracy;

    /** A trainer logging progress through slf4j. */
    public Trainer(TrainingSpec spec) {
        this(spec, LOG::info);
    }

    /** A trainer sending each progress line to {@code progress}. */
    public Trainer(TrainingSpec spec, Consumer<String> progress) {
        this(spec, progress, TrainKeys.LEARNING_RATE.name());
    }

    /**
     * @param learningRateKey the configuration key that set {@code spec}'s learning rate, named in
     *                        the message when training diverges
     */
    public Trainer(TrainingSpec spec, Consumer<String> progress, String learningRateKey) {
        this(spec, progress, learningRateKey, null);
    }

    private Trainer(TrainingSpec spec, Consumer<String> progress, String learningRateKey,
                    ToDoubleFunction<ComputationGraph> epochAccuracy) {
        this.spec = spec;
        this.progress = progress;
        this.learningRateKey = learningRateKey;
        this.epochAccuracy = epochAccuracy;
    }

    /**
     * This trainer, measuring {@code accuracy} of the graph after every epoch (for the curves of
     * the report); {@code null} measures nothing.
     */
    public Trainer evaluatingEachEpoch(ToDoubleFunction<ComputationGraph> accuracy) {
        return new Trainer(spec, progress, learningRateKey, accuracy);
    }

    /**
     * Returns {@code graph} rebuilt with the spec's optimizer (parameters kept), its iteration
     * and epoch counters reset so the schedule starts from the beginning. Weight decay is one
     * {@link WeightDecay} per layer: DL4J 1.0.0-M2's {@code FineTuneConfiguration.weightDecay}
     * leaves two identical entries on every layer, which would decay each step by
     * 2·lr·wd·w, so the layers' lists are set here instead. The returned graph keeps each layer's
     * forward result for its backward pass ({@link #keepForwardResults}) and uses the faster
     * backward passes of {@link #useFasterBackprop}.
     *
     * @param stepsPerEpoch minibatches per epoch, to place the schedule's milestones
     */
    public static ComputationGraph withOptimizer(ComputationGraph graph, TrainingSpec spec, long stepsPerEpoch) {
        long total = stepsPerEpoch * spec.epochs();
        FineTuneConfiguration ft = new FineTuneConfiguration.Builder()
                .updater(new Nesterovs(schedule(spec, total), spec.momentum()))
                .build();
        ComputationGraph out = new TransferLearning.GraphBuilder(graph).fineTuneConfiguration(ft).build();
        List<Regularization> decay = spec.weightDecay() > 0 ? List.of(new WeightDecay(spec.weightDecay(), true)) : List.of();
        for (var vertex : out.getConfiguration().getVertices().values()) {
            if (vertex instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BaseLayer layer) {
                layer.setRegularization(new ArrayList<>(decay));
            }
        }
        out.getConfiguration().setIterationCount(0);
        out.getConfiguration().setEpochCount(0);
        keepForwardResults(out);
        useFasterBackprop(out);
        return out;
    }

    /**
     * Makes {@code graph}'s training steps keep each layer's forward result for its backward pass
     * (DL4J's {@link CacheMode#DEVICE}). Without it DL4J 1.0.0-M2's convolution layers compute their
     * forward convolution a second time in backprop; the kept result is the same array, so the
     * gradients are unchanged. Costs one pre-activation array per convolution layer for the step;
     * inference is not affected.
     */
    public static void keepForwardResults(ComputationGraph graph) {
        graph.getConfiguration().setCacheMode(CacheMode.DEVICE);
        graph.setCacheMode(CacheMode.DEVICE);
    }

    /**
     * Gives {@code graph}'s layers the project's passes where DL4J 1.0.0-M2's are slow on CPU:
     * {@link BatchNormBackprop} on batch norms, with {@link BatchNormForward}'s training-mode forward
     * pass, {@link InputConvBackprop} on convolutions that read the network's input and
     * {@link ReluBackprop} on layers with a plain ReLU activation, {@link DenseReluBackprop} in place of
     * dense layers with a ReLU (no second forward matrix product in backprop) and {@link SoftmaxScoreOnce} in
     * place of softmax cross-entropy output layers (the score from the backward pass). The
     * parameters' gradients are DL4J's up to float rounding (the network input's own gradient, which
     * nothing reads, is left zero); layers without DL4J's oneDNN helpers keep DL4J's own. Layers are
     * created with the graph, so call it again on a rebuilt or cloned graph.
     */
    public static void useFasterBackprop(ComputationGraph graph) {
        BatchNormBackprop.install(graph);
        BatchNormForward.install(graph);
        InputConvBackprop.install(graph);
        ReluBackprop.install(graph);
        DenseReluBackprop.install(graph);
        SoftmaxScoreOnce.install(graph);
    }

    /**
     * Gives {@code copy}, a copy of {@code graph} (the copies of {@link ReplicaStep}), each of the
     * project's passes that {@code graph} uses, so that the copies compute as the network does (a
     * comparison may have turned one off, or on).
     */
    static void useFasterBackpropAs(ComputationGraph graph, ComputationGraph copy) {
        if (BatchNormBackprop.usedBy(graph)) {
            BatchNormBackprop.install(copy);
        }
        if (BatchNormForward.usedBy(graph)) {
            BatchNormForward.install(copy);
        }
        if (InputConvBackprop.usedBy(graph)) {
            InputConvBackprop.install(copy);
        }
        if (ReluBackprop.usedBy(graph)) {
            ReluBackprop.install(copy);
        }
        if (DenseReluBackprop.usedBy(graph)) {
            DenseReluBackprop.install(copy);
        }
        if (SoftmaxScoreOnce.usedBy(graph)) {
            SoftmaxScoreOnce.install(copy);
        }
    }

    /**
     * Whether a step's loss says training diverged: NaN, infinite, or beyond float's range. The
     * network computes in float, so a loss beyond it has overflowed somewhere (DL4J's own float score
     * reads infinite there; the fused step sums the weight-decay term in double, which does not).
     */
    public static boolean diverged(double loss) {
        return !Double.isFinite(loss) || Math.abs(loss) > Float.MAX_VALUE;
    }

    /** The learning-rate schedule of {@code spec} over {@code totalSteps} optimizer steps, as local training uses it. */
    public static ISchedule schedule(TrainingSpec spec, long totalSteps) {
        double lr = spec.learningRate();
        return switch (spec.schedule()) {
            case CONSTANT -> new MapSchedule(ScheduleType.ITERATION, Map.of(0, lr));
            case STEP -> {
                Map<Integer, Double> m = new TreeMap<>();
                m.put(0, lr);
                m.put((int) (totalSteps / 2), lr / 10);
                m.put((int) (totalSteps * 3 / 4), lr / 100);
                yield new MapSchedule(ScheduleType.ITERATION, m);
            }
            case COSINE -> new CosineSchedule(lr, totalSteps);
        };
    }

    /**
     * Trains {@code graph} for the spec's epochs on {@code data}.
     *
     * @throws IllegalStateException when the loss becomes NaN or infinite (naming the step)
     */
    public List<EpochStats> fit(ComputationGraph graph, EpochData data) {
        return fit(graph, data, StepHook.NONE);
    }

    /**
     * Trains {@code graph} for the spec's epochs on {@code data}, calling {@code hook} around every
     * step and once at the end (see {@link StepHook} for the order). On the CPU backend, when the
     * spec's {@code replicas} asks for it (or its automatic choice does, {@link ReplicaStep#copiesFor}),
     * each step is computed by copies of {@code graph} on shares of the minibatch ({@link ReplicaStep}).
     *
     * @throws IllegalStateException when the loss becomes NaN or infinite (naming the step)
     */
    public List<EpochStats> fit(ComputationGraph graph, EpochData data, StepHook hook) {
        long stepsPerEpoch = (data.size() + spec.batchSize() - 1) / spec.batchSize();
        long totalSteps = stepsPerEpoch * spec.epochs();
        try (ReplicaStep replicas = ReplicaStep.of(graph, spec.replicas(), spec.batchSize())) {
            if (replicas != null) {
                progress.accept("training with " + replicas + " (pocketflow.train.replicas)");
            }
            List<EpochStats> stats = fit(graph, data, hook, totalSteps, replicas);
            hook.finish(graph);
            return stats;
        }
    }

    private List<EpochStats> fit(ComputationGraph graph, EpochData data, StepHook hook, long totalSteps,
                                 ReplicaStep replicas) {
        List<EpochStats> stats = new ArrayList<>();
        long started = System.nanoTime();
        long step = 0;
        for (int e = 0; e < spec.epochs(); e++) {
            long epochStart = System.nanoTime();
            double lossSum = 0;
            long batches = 0;
            long samples = 0;
            for (Iterator<DataSet> it = data.epoch(e); it.hasNext(); ) {
                DataSet batch = it.next();
                hook.beforeStep(graph, step, totalSteps);
                double loss;
                if (replicas == null || !ReplicaStep.handles(batch)) {
                    graph.fit(batch);
                    loss = graph.score();
                } else {
                    loss = replicas.step(batch);
                }
                hook.afterStep(graph, step, totalSteps);
                step++;
                if (diverged(loss)) {
                    throw new IllegalStateException("training diverged: loss " + loss + " at epoch " + (e + 1)
                            + " step " + step + ". Fix: lower " + learningRateKey + " (now "
                            + spec.learningRate() + ")");
                }
                lossSum += loss;
                batches++;
                samples += batch.numExamples();
                if (step % spec.logEverySteps() == 0) {
                    double elapsed = (System.nanoTime() - started) / 1e9;
                    double eta = elapsed / step * (totalSteps - step);
                    double rate = samples / ((System.nanoTime() - epochStart) / 1e9);
                    progress.accept(String.format("epoch %d/%d step %d/%d loss %.4f %.0f samples/s ETA %s",
                            e + 1, spec.epochs(), step, totalSteps, lossSum / batches, rate, duration(eta)));
                }
            }
            graph.getConfiguration().setEpochCount(e + 1);
            double seconds = (System.nanoTime() - epochStart) / 1e9;
            if (replicas != null) {
                replicas.releaseThreads(); // the evaluation runs on every thread
            }
            double accuracy = epochAccuracy == null ? Double.NaN : epochAccuracy.applyAsDouble(graph);
            EpochStats s = new EpochStats(e + 1, lossSum / Math.max(1, batches), samples / seconds, seconds, accuracy);
            stats.add(s);
            progress.accept(String.format("epoch %d/%d done: loss %.4f, %.0f samples/s, %.1f s%s", s.epoch(),
                    spec.epochs(), s.meanLoss(), s.samplesPerSecond(), s.seconds(),
                    Double.isNaN(accuracy) ? "" : String.format(", validation accuracy %.4f", accuracy)));
        }
        return stats;
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60)
                : String.format("%dm%02ds", s / 60, s % 60);
    }
}
