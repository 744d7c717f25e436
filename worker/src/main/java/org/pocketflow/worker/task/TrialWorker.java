package org.pocketflow.worker.task;

import java.util.function.Consumer;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.pocketflow.conf.LearnKeys;
import org.pocketflow.qsgd.GradientEncoder;
import org.pocketflow.qsgd.ps.ServerChosenEncoder;
import org.pocketflow.qsgd.ps.WorkerClient;
import org.pocketflow.qsgd.ps.WorkerConfig;
import org.pocketflow.qsgd.ps.transport.Address;
import org.pocketflow.qsgd.ps.transport.AeronRuntime;
import org.pocketflow.worker.distributed.GradientLoop;
import org.pocketflow.worker.distributed.PartitionTrainer;
import org.pocketflow.worker.distributed.WorkerReport;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.FineTuner;

/**
 * One worker of a trial fine-tuned through its parameter server, on an executor: the same setup
 * as a one-task trial ({@link TrialRun#setup}: data, split, scaling, the candidate's compressed
 * network), the output layer's distillation loss when the fine-tuning distills, then the exchange
 * ({@link GradientLoop}) on this worker's share of the slice's minibatches ({@link
 * TrialRun#workerBatches}). The server keeps the learner's constraint; the worker only computes
 * gradients on the parameters it receives. Stateless.
 */
public final class TrialWorker {
    /** The slice a worker waits in before it looks whether its task was cancelled. */
    static final long POLL_MILLIS = 1_000;

    private TrialWorker() {
    }

    /**
     * Runs worker {@code workerId} of {@code req}.
     *
     * @param bindHost the address this worker receives on
     * @param attempt  the Spark task attempt (0 for the first)
     */
    public static WorkerReport run(TrialWorkerRequest req, byte[] baseZip, int workerId, int attempt, String bindHost,
                                   AeronRuntime aeron, Consumer<String> progress) {
        TrialRequest trial = req.trial();
        FineTuneSpec ft = trial.fineTune();
        TrialRun.Setup setup = TrialRun.setup(trial, baseZip, progress);
        ComputationGraph graph = setup.compression().graph();
        if (ft.distills()) {
            FineTuner.useDistillationLoss(graph, ft);
        }
        Address bind = new Address(bindHost, req.workerPort(workerId));
        WorkerConfig wc = new WorkerConfig(workerId, bind, req.server(), req.secret(), Math.min(POLL_MILLIS,
                req.waitMillis())).withParamCount(graph.numParams()).withNonce(req.nonce());
        progress.accept(String.format("trial %d rung %d worker %d of %d (attempt %d): %s, receiving on %s", trial.trial(),
                trial.rung(), workerId, req.workers(), attempt, req.serverChosenCodec() ? "codec chosen by the server"
                        : req.codec().id(), bind));
        try (WorkerClient client = new WorkerClient(aeron, wc)) {
            client.emulateLink(req.linkMbit());
            long seed = PartitionTrainer.encoderSeed(ft.training().seed(), workerId);
            GradientEncoder encoder = req.serverChosenCodec() ? new ServerChosenEncoder(client, seed) : req.codec().newEncoder(seed);
            GradientLoop loop = new GradientLoop(workerId, attempt, graph, encoder,
                    TrialRun.workerBatches(trial, setup, workerId, req.workers()),
                    new GradientLoop.Settings(req.server(), req.waitMillis(), ft.training().logEverySteps(),
                            LearnKeys.FINE_TUNE_LEARNING_RATE.name() + " (now " + ft.training().learningRate() + ")",
                            req.hook(), ft.training().replicas()), progress);
            return loop.run(client);
        }
    }
}
