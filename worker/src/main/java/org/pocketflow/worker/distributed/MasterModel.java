package org.pocketflow.worker.distributed;

import java.util.BitSet;
import java.util.List;
import java.util.Locale;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.pocketflow.qsgd.ps.optim.Optimizer;
import org.pocketflow.qsgd.ps.optim.SgdParams;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.ImageSet;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluation;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.runtime.Seeds;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;
import org.pocketflow.worker.train.UpdaterPositions;

/**
 * The master's view of a distributed run, on the driver: the network (built exactly as every
 * worker builds it), the {@link TrainingPlan}, the server's optimizer with local training's
 * semantics, and evaluation of the final parameters on the test split.
 *
 * <p><b>Call order.</b> {@link #prepare} once; {@link #initialParams()} and {@link
 * #newOptimizer()} for the {@code ParameterServer}; after training {@link #withParams} and
 * {@link #evaluate}. Owns its graph; not thread-safe.
 *
 * <p><b>Same update as local training.</b> {@code Trainer.withOptimizer} gives the graph the
 * job's Nesterov updater, schedule and decoupled weight decay; the server reproduces that with
 * {@link SgdParams}: the schedule is read from the same DL4J {@code ISchedule} ({@link
 * Dl4jLearningRate}), and the parameters DL4J would decay (those whose layer configuration
 * carries a {@link WeightDecay}: weights, not biases) form the optimizer's decay set, with the
 * coefficient DL4J applies ({@link Decay}), at the positions DL4J's updater gives them (which, for
 * depthwise and separable convolutions with a bias, are not quite the parameters' own).
 */
public final class MasterModel {
    private static final int EVAL_BATCH = 256;

    private final DistributedRequest req;
    private final IdxDataset dataset;
    private final Normalizer norm;
    private final TrainingPlan plan;
    private final ComputationGraph graph;

    private MasterModel(DistributedRequest req, IdxDataset dataset, Normalizer norm, TrainingPlan plan, ComputationGraph graph) {
        this.req = req;
        this.dataset = dataset;
        this.norm = norm;
        this.plan = plan;
        this.graph = graph;
    }

    /** The network every worker starts from: the zoo architecture with weights from the job seed. */
    public static ComputationGraph initialGraph(DistributedRequest req, IdxDataset dataset) {
        return Architecture.of(req.architecture()).factory().create(dataset.shape(), dataset.classes(),
                Seeds.derive(req.seed(), Seeds.WEIGHT_INIT));
    }

    /** Plans the run for {@code dataset} (opened with the request's train limit). */
    public static MasterModel prepare(DistributedRequest req, IdxDataset dataset) {
        ImageSet train = PartitionTrainer.trainSplit(req, dataset);
        TrainingSpec spec = req.training();
        TrainingPlan plan = new TrainingPlan(train.size(), req.workers(), spec.batchSize(), spec.epochs(), req.mode());
        ComputationGraph g = Trainer.withOptimizer(initialGraph(req, dataset), spec, plan.stepsPerEpoch());
        return new MasterModel(req, dataset, Normalizer.fit(train), plan, g);
    }

    public TrainingPlan plan() {
        return plan;
    }

    /** The parameters of version 0. */
    public float[] initialParams() {
        return graph.params().toFloatVector();
    }

    /** A fresh server optimizer: the job's schedule over the plan's steps, momentum and weight decay. */
    public Optimizer newOptimizer() {
        return optimizer(graph, req.training(), plan.totalSteps());
    }

    /**
     * The server optimizer that reproduces {@code Trainer.fit} of {@code graph} (already given
     * the optimizer by {@code Trainer.withOptimizer}) for {@code totalSteps} steps: the spec's
     * schedule, Nesterov momentum, weight decay on the parameters DL4J decays, batch norm's
     * running statistics applied directly.
     */
    public static Optimizer optimizer(ComputationGraph graph, TrainingSpec spec, long totalSteps) {
        Dl4jLearningRate lr = new Dl4jLearningRate(Trainer.schedule(spec, totalSteps),
                spec.schedule().name().toLowerCase(Locale.ROOT) + "(" + spec.learningRate() + "," + totalSteps + ")");
        Decay decay = decay(graph);
        SgdParams sgd = new SgdParams(lr, spec.momentum(), true, decay.lambda());
        return sgd.newOptimizer((int) graph.numParams(), decay.decayed(), UpdaterPositions.updatedDirectly(graph));
    }

    /**
     * Which parameters DL4J decays, and by how much.
     *
     * @param lambda the coefficient: the sum of a parameter's {@link WeightDecay}s, as DL4J
     *     applies each of them ({@code Trainer.withOptimizer} sets one per weight)
     * @param decayed the positions in the flattened parameter vector
     */
    record Decay(double lambda, BitSet decayed) {
    }

    /**
     * @throws IllegalArgumentException if a parameter carries a regularization other than
     *     decoupled weight decay, or parameters carry different total coefficients (the server's
     *     optimizer has one)
     */
    static Decay decay(ComputationGraph g) {
        double[] lambda = {0};
        BitSet decayed = UpdaterPositions.of(g, (layer, param) -> {
            double sum = decayOf(layer, param);
            if (sum == 0) {
                return false;
            }
            if (lambda[0] != 0 && Math.abs(sum - lambda[0]) > 1e-12) {
                throw new IllegalArgumentException(where(layer, param) + " has weight decay " + sum + " but other"
                        + " parameters have " + lambda[0] + "; the parameter server applies one coefficient");
            }
            lambda[0] = sum;
            return true;
        });
        return new Decay(lambda[0], decayed);
    }

    /** The sum of the coefficients of {@code param}'s weight decays. */
    private static double decayOf(Layer layer, String param) {
        List<Regularization> regs = layer.conf().getLayer().getRegularizationByParam(param);
        double sum = 0;
        for (Regularization r : regs == null ? List.<Regularization>of() : regs) {
            if (!(r instanceof WeightDecay wd) || !wd.isApplyLR()) {
                throw new IllegalArgumentException(where(layer, param) + " carries " + r + "; the parameter"
                        + " server applies only decoupled weight decay (pocketflow.train.weight-decay). Fix: use a zoo"
                        + " network");
            }
            sum += wd.getCoeff().valueAt(0, 0);
        }
        return sum;
    }

    private static String where(Layer layer, String param) {
        return "layer " + layer.getConfig().getLayerName() + " parameter " + param;
    }

    /** The network with {@code params} (the graph this model owns, updated in place). */
    public ComputationGraph withParams(float[] params) {
        INDArray flat = graph.params();
        flat.assign(Nd4j.createFromArray(params).reshape(flat.shape()));
        return graph;
    }

    /** Accuracy and loss of {@code params} on the test split. */
    public Evaluation evaluate(float[] params) {
        return Evaluator.evaluate(withParams(params), dataset.test().batchesInOrder(EVAL_BATCH, norm));
    }

    /** The dataset's SHA-256 (provenance). */
    public String datasetSha256() {
        return dataset.sha256();
    }
}
