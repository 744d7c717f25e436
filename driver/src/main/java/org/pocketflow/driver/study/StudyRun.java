package org.pocketflow.driver.study;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.pocketflow.conf.DistributedKeys;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.RunKeys;
import org.pocketflow.driver.BaselineRequests;
import org.pocketflow.driver.RunDirectory;
import org.pocketflow.driver.distributed.TrialServer;
import org.pocketflow.driver.search.Point;
import org.pocketflow.worker.distributed.NopWorkerHook;
import org.pocketflow.worker.distributed.WorkerHook;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.Learner;
import org.pocketflow.worker.learn.LearnerCatalog;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.task.CompressionRequest;
import org.pocketflow.worker.task.TrialRequest;
import org.pocketflow.worker.task.TrialResult;
import org.pocketflow.worker.train.TrainingSpec;

/**
 * A job's study, after its base model exists: the space of the learner on the base model, the
 * base model broadcast once, the trials ({@link TrialScheduler}), then the best complete
 * candidate's test accuracy (the only look at the test set), its packed model and DL4J zip copied
 * to {@code model.pfpk} and {@code compressed.zip}, and the {@code study} section of the report.
 * One instance per session; the trial store makes sessions one study.
 */
public final class StudyRun {
    /** Name of the trial store in the run directory. */
    public static final String STORE = "trials.jsonl";

    private final JobConfig config;
    private final RunDirectory dir;
    private final Consumer<String> out;
    private final WorkerHook workerHook;
    private volatile TrialScheduler scheduler;

    public StudyRun(JobConfig config, RunDirectory dir, Consumer<String> out) {
        this(config, dir, out, NopWorkerHook.INSTANCE);
    }

    /**
     * @param workerHook called by every worker of a trial through the parameter server after each
     *                   push (fault injection in tests; jobs use {@link NopWorkerHook})
     */
    public StudyRun(JobConfig config, RunDirectory dir, Consumer<String> out, WorkerHook workerHook) {
        this.config = config;
        this.dir = dir;
        this.out = out;
        this.workerHook = workerHook;
    }

    /**
     * Runs (or resumes) the study and fills {@code report}'s {@code study} section (and
     * {@code compressed}, for the best candidate).
     *
     * @param datasetSha256 the base model's dataset hash, for provenance
     * @throws IllegalStateException       when the study stopped because too many trials failed
     *                                     (the section is filled first)
     * @throws StudyInterruptedException   when the thread was interrupted (resume it later)
     */
    public void run(JavaSparkContext sc, String datasetSha256, Map<String, Object> report) {
        StudySettings s = StudySettings.of(config);
        byte[] zip = dir.readBytes("model.zip");
        ComputationGraph base = restore(zip);
        ModelInfo info = ModelInfo.of(base, BaselineRequests.shape(config));
        CompressionRequest cr = BaselineRequests.compression(config, BaselineRequests.training(config));
        Learner learner = LearnerCatalog.searchSpaceOf(cr.algorithm(), cr.options());
        CandidateSpace candidates = new CandidateSpace(learner, info, cr.budget(), cr.fineTune(), s.trainingKnobs());
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("seed", String.valueOf(config.get(RunKeys.SEED)));
        provenance.put("base-model", dir.uri() + "/model.zip");
        provenance.put("study-sampler", s.sampler());
        TrialRequest.TrialContext ctx = BaselineRequests.trialContext(config, cr, provenance,
                (JsonNode) report.get("baseline"));
        StudyPlan plan = new StudyPlan(candidates.space(), SamplerCatalog.create(s.sampler(), s.samplerSeed(), s.startupTrials()),
                s.includeUniform() ? Optional.of(candidates.uniformPoint()) : Optional.empty(),
                (n, p, rung, from, to, resume) -> request(candidates, ctx, s, n, p, rung, from, to, resume), s,
                s.stopper());
        out.accept("study: " + s.sampler() + " over " + candidates.space().size() + " dimensions "
                + candidates.space().names() + ", " + s.trials() + " trials, " + s.parallelism() + " at once, early "
                + "stopping " + s.earlyStopping());
        Broadcast<byte[]> baseModel = sc.broadcast(zip);
        try {
            JsonLinesTrialStore store = new JsonLinesTrialStore(dir.uri() + "/" + STORE);
            StudyOutcome outcome = trials(sc, s, plan, store, baseModel, zip);
            Map<String, Object> section = StudyReport.section(s, outcome, store.uri());
            report.put("study", section);
            Optional<TrialRecord> best = outcome.best();
            if (best.isPresent()) {
                TrialResult winner = best.get().result();
                Map<String, Object> retraining = null;
                if (s.finalEpochs() > 0) {
                    TrialServer.Outcome o = retrain(sc, s, candidates, ctx, best.get(), baseModel, zip);
                    retraining = FinalRetraining.section(s, best.get(), o);
                    if (TrialResult.COMPLETE.equals(o.result().status())) {
                        winner = o.result();
                    } else {
                        out.accept("WARNING: the final retraining of trial " + best.get().trial() + " failed ("
                                + o.result().reason() + "); the study's checkpoint is the result");
                    }
                }
                Map<String, Object> compressed = finalCandidate(sc, ctx, best.get(), winner, info.totalMacs(),
                        datasetSha256);
                report.put("compressed", compressed);
                if (retraining != null) {
                    retraining.put("testAccuracy", compressed.get("testAccuracy"));
                    report.put("finalRetraining", retraining);
                }
            }
            if (!outcome.stopReason().isEmpty()) {
                throw new IllegalStateException(outcome.stopReason());
            }
            if (best.isEmpty()) {
                throw new IllegalStateException("the study finished without a complete trial (" + outcome.trials().size()
                        + " trials: see their reasons in " + store.uri() + ")");
            }
        } finally {
            baseModel.destroy();
        }
    }

    /** The trials: one Spark task each, or W workers through the trial's own parameter server. */
    private StudyOutcome trials(JavaSparkContext sc, StudySettings s, StudyPlan plan, TrialStore store,
                                Broadcast<byte[]> baseModel, byte[] zip) {
        ServerTrialLauncher servers = s.workersPerTrial() > 1 ? new ServerTrialLauncher(
                new TrialServer(TrialServer.Settings.of(config, sc, workerHook), baseModel, zip, out),
                s.workersPerTrial(), s.parallelism(), config.get(DistributedKeys.PORT_BASE)) : null;
        try {
            scheduler = new TrialScheduler(sc, servers != null ? servers : TrialLauncher.sparkTask(new TrialTask(baseModel)),
                    plan, store, out);
            StudyOutcome outcome = scheduler.run();
            if (servers != null && !servers.awaitEnded(60)) {
                out.accept("study: the rung checkpoints of some ended trials were not removed within 60 s; remove any"
                        + " trials/*/rung-*.ps/ left by hand");
            }
            return outcome;
        } catch (InterruptedException e) {
            throw new StudyInterruptedException(dir.uri());
        } finally {
            if (servers != null) {
                servers.shutdown();
            }
        }
    }

    /**
     * The winner retrained on {@code final-workers} through the parameter server: from its last
     * checkpoint, {@code final-epochs} more epochs of its own fine-tuning settings (the schedule
     * restarted over them), left in {@code final/} of the run directory.
     */
    private TrialServer.Outcome retrain(JavaSparkContext sc, StudySettings s, CandidateSpace candidates,
                                        TrialRequest.TrialContext ctx, TrialRecord best, Broadcast<byte[]> baseModel,
                                        byte[] zip) {
        Candidate c = candidates.candidate(new Point(best.point()), s.trialSeed(best.trial()));
        FineTuneSpec ft = c.fineTune();
        TrainingSpec t = ft.training(); // StudySettings.problems refuses final-epochs without fine-tuning
        FineTuneSpec more = new FineTuneSpec(t.with(s.finalEpochs(), t.learningRate(), t.seed()), ft.distillationWeight(), ft.temperature());
        TrialRequest req = new TrialRequest(ctx, best.trial(), 0, 0, 1, c.settings(), more, best.result().checkpoint(),
                dir.uri() + "/" + FinalRetraining.FOLDER);
        out.accept(String.format("study: retraining trial %d for %d epoch(s) on %d worker(s) through the parameter server",
                best.trial(), s.finalEpochs(), s.finalWorkers()));
        TrialServer server = new TrialServer(TrialServer.Settings.of(config, sc, workerHook), baseModel, zip, out);
        return server.run(sc, req, s.finalWorkers(), config.get(DistributedKeys.PORT_BASE), FinalRetraining.GROUP);
    }

    /** Cancels trial {@code trial} if it is running (from any thread); no-op before the study starts. */
    public void cancel(int trial) {
        TrialScheduler s = scheduler;
        if (s != null) {
            s.cancel(trial);
        }
    }

    private TrialRequest request(CandidateSpace candidates, TrialRequest.TrialContext ctx, StudySettings s, int n,
                                 Point p, int rung, double from, double to, String resume) {
        Candidate c = candidates.candidate(p, s.trialSeed(n));
        return new TrialRequest(ctx, n, rung, from, to, c.settings(), c.fineTune(), resume,
                dir.uri() + "/trials/" + String.format("%05d", n));
    }

    private Map<String, Object> finalCandidate(JavaSparkContext sc, TrialRequest.TrialContext ctx, TrialRecord best,
                                               TrialResult winner, long baseMacs, String datasetSha256) {
        CandidateArtifacts.Written written = CandidateArtifacts.write(sc, dir, ctx, winner, "trial " + best.trial());
        double test = written.testAccuracy();
        Map<String, Object> m = new LinkedHashMap<>(StudyReport.trial(best));
        m.put("validationAccuracy", winner.validationAccuracy());
        m.put("packedBytes", winner.packedBytes());
        m.put("latency", winner.latency());
        m.put("learner", ctx.learner());
        m.put("testAccuracy", test);
        m.put("macFraction", winner.macs() / (double) Math.max(1, baseMacs));
        m.put("inferenceFile", dir.uri() + "/inference.zip");
        m.put("packedFile", dir.uri() + "/model.pfpk");
        m.put("modelFile", dir.uri() + "/compressed.zip");
        m.put("datasetSha256", datasetSha256);
        m.put("onnx", written.onnx());
        out.accept(String.format("study: best trial %d, validation accuracy %.4f, test accuracy %.4f, %.3f of the MACs,"
                        + " %,d packed bytes -> %s", best.trial(), winner.validationAccuracy(), test,
                winner.macs() / (double) Math.max(1, baseMacs), winner.packedBytes(),
                dir.uri() + "/model.pfpk"));
        return m;
    }

    private static ComputationGraph restore(byte[] zip) {
        try {
            return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(zip), false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the base model (" + zip.length + " bytes)", e);
        }
    }
}
