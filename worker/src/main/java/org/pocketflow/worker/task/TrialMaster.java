package org.pocketflow.worker.task;

import java.util.function.Consumer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.pocketflow.worker.distributed.ConstrainedOptimizer;
import org.pocketflow.worker.distributed.MasterModel;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * The parameter server's side of one rung of a trial fine-tuned by several workers, without Spark
 * types (the driver runs it): the rung set up as any trial job ({@link TrialRun#setup}), its
 * network given the trial's optimizer ({@code Trainer.withOptimizer}, which {@link
 * MasterModel#optimizer} reproduces on the server), the learner's hook kept in force around every
 * server step ({@link ConstrainedOptimizer}), and after the exchange the finished network packed
 * and evaluated as a one-task trial's ({@link TrialRun#finish}).
 *
 * <p><b>Call order.</b> {@link #prepare}; {@link #initialParams()} and {@link #optimizer()} for the
 * {@code ParameterServer} of {@link #totalSteps()} steps and {@code workers} workers; after it
 * ended {@link #finish}. Owns its network; one run; not thread-safe (the server's thread calls the
 * optimizer, the caller's thread the rest, never at the same time).
 */
public final class TrialMaster {
    private final TrialRequest req;
    private final TrialRun.Setup setup;
    private final long[] range;
    private final TrainingSpec spec;
    private final ConstrainedOptimizer optimizer;
    private final long started;

    private TrialMaster(TrialRequest req, TrialRun.Setup setup, long[] range, TrainingSpec spec,
                        ConstrainedOptimizer optimizer, long started) {
        this.req = req;
        this.setup = setup;
        this.range = range;
        this.spec = spec;
        this.optimizer = optimizer;
        this.started = started;
    }

    /**
     * Sets up {@code req} (which fine-tunes) for {@code workers} workers.
     *
     * @param started when the job started, microseconds since the epoch
     * @throws IllegalArgumentException if the request does not fine-tune (there is nothing to exchange)
     */
    public static TrialMaster prepare(TrialRequest req, byte[] baseZip, int workers, long started, Consumer<String> progress) {
        if (!req.fineTune().trains()) {
            throw new IllegalArgumentException("trial " + req.trial() + " does not fine-tune; run it as one task");
        }
        TrialRun.Setup setup = TrialRun.setup(req, baseZip, progress);
        long[] range = TrialRun.steps(req, setup.data().trainImages(), workers);
        long total = range[1] - range[0];
        TrainingSpec spec = TrialRun.sliceSpec(req).training();
        ComputationGraph graph = Trainer.withOptimizer(setup.compression().graph(), spec, total);
        ConstrainedOptimizer optimizer = new ConstrainedOptimizer(MasterModel.optimizer(graph, spec, total),
                setup.compression().hook(), graph, total);
        return new TrialMaster(req, setup, range, spec, optimizer, started);
    }

    /** Version 0: the starting network under the constraint of step 0. */
    public float[] initialParams() {
        return optimizer.initialParams();
    }

    /** The server's optimizer, the constraint kept around each step. */
    public ConstrainedOptimizer optimizer() {
        return optimizer;
    }

    /** Server steps of this rung. */
    public long totalSteps() {
        return range[1] - range[0];
    }

    /** The first and last-plus-one step of the whole fine-tuning that this rung covers. */
    public long[] steps() {
        return range.clone();
    }

    /** Images per worker minibatch. */
    public int batchSize() {
        return spec.batchSize();
    }

    /**
     * Packs and evaluates the network the server finished with ({@code rung-R.zip} and {@code
     * rung-R.pfpk} in the trial's folder).
     *
     * @param params the server's final parameters (the constrained network after the hook's finish)
     */
    public TrialResult finish(float[] params) {
        ComputationGraph graph = optimizer.graph();
        INDArray flat = graph.params();
        flat.assign(Nd4j.createFromArray(params).reshape(flat.shape()));
        return TrialRun.finish(req, setup, graph, started);
    }
}
