package org.pocketflow.driver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.pocketflow.conf.ConfigException;
import org.pocketflow.conf.DistributedKeys;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.LearnKeys;
import org.pocketflow.conf.ModelKeys;
import org.pocketflow.conf.RunKeys;
import org.pocketflow.conf.SearchKeys;
import org.pocketflow.driver.distributed.TrialServer;
import org.pocketflow.driver.study.CandidateArtifacts;
import org.pocketflow.driver.study.StudySettings;
import org.pocketflow.worker.distributed.WorkerHook;
import org.pocketflow.worker.learn.Learner;
import org.pocketflow.worker.learn.LearnerCatalog;
import org.pocketflow.worker.model.ModelFiles;
import org.pocketflow.worker.model.ModelInfo;
import org.pocketflow.worker.task.CompressionRequest;
import org.pocketflow.worker.task.TrialRequest;
import org.pocketflow.worker.task.TrialResult;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A compression job's fine-tuning on W Spark tasks through a parameter server in the driver, for
 * a job without a search whose {@code pocketflow.learn.fine-tune-workers} is above 1.
 *
 * <p><b>Order.</b> The base model's task runs without compressing ({@link BaselineRequests}).
 * Then the driver takes the learner's uniform settings under the budget, as the one-task path
 * does, and runs the whole fine-tuning as one rung on {@link TrialServer} (the learner's hook in
 * force around every server step, ports from {@code pocketflow.distributed.port-base}, an HMAC
 * key derived from the job's secret, the server closed on any end), leaving the checkpoint in
 * {@value #FOLDER}/ of the run directory. Its deliverables ({@code model.pfpk},
 * {@code compressed.zip}, {@code inference.zip}, {@code model.onnx}) are written by {@link
 * CandidateArtifacts}, and the report's {@code compressed} section says how it was fine-tuned.
 */
public final class ServerFineTuning {
    /** Folder of the fine-tuned checkpoint in the run directory. */
    static final String FOLDER = "fine-tune";
    /** Spark job group of the fine-tuning's workers. */
    static final String GROUP = "pocketflow-fine-tuning";

    private final JobConfig config;
    private final RunDirectory dir;
    private final Consumer<String> out;
    private final WorkerHook workerHook;

    /** @param workerHook called by every worker after each push (fault injection in tests) */
    public ServerFineTuning(JobConfig config, RunDirectory dir, Consumer<String> out, WorkerHook workerHook) {
        this.config = config;
        this.dir = dir;
        this.out = out;
        this.workerHook = workerHook;
    }

    /** Whether job {@code c} asks for its fine-tuning on several workers. */
    public static boolean enabled(JobConfig c) {
        return c.get(LearnKeys.FINE_TUNE_WORKERS) > 1;
    }

    /**
     * What keeps job {@code c} from fine-tuning on several workers, one line each naming the key,
     * the value and the fix; empty when it does not ask to or can.
     */
    public static List<String> problems(JobConfig c) {
        List<String> p = new ArrayList<>();
        int workers = c.get(LearnKeys.FINE_TUNE_WORKERS);
        if (workers <= 1) {
            return p;
        }
        String head = LearnKeys.FINE_TUNE_WORKERS.name() + " = " + workers + ": ";
        String keep = ", or set " + LearnKeys.FINE_TUNE_WORKERS.name() + " = 1";
        if (StudySettings.of(c).enabled()) {
            p.add(head + "applies to a compression job without a search, but " + SearchKeys.SAMPLER.name() + " = "
                    + c.get(SearchKeys.SAMPLER) + " runs a study. Fix: set " + SearchKeys.WORKERS_PER_TRIAL.name() + " = "
                    + workers + " for the trials (" + SearchKeys.FINAL_WORKERS.name() + " for the winner's retraining)"
                    + keep);
        } else if (c.get(LearnKeys.ALGORITHM).equals("none")) {
            p.add(head + "there is nothing to fine-tune with " + LearnKeys.ALGORITHM.name() + " = none. Fix: set "
                    + LearnKeys.ALGORITHM.name() + " (e.g. channel-pruning)" + keep);
        } else if (c.get(LearnKeys.FINE_TUNE_EPOCHS) == 0) {
            p.add(head + "there is nothing to fine-tune with " + LearnKeys.FINE_TUNE_EPOCHS.name() + " = 0. Fix: set "
                    + LearnKeys.FINE_TUNE_EPOCHS.name() + " >= 1" + keep);
        } else if (c.get(LearnKeys.ALLOCATION).equals("latency")) {
            p.add(head + "the per-layer settings are then taken on the driver, where " + LearnKeys.ALLOCATION.name()
                    + " = latency cannot time the executors. Fix: set " + LearnKeys.ALLOCATION.name() + " = uniform"
                    + keep);
        }
        return p;
    }

    /**
     * Refuses a fine-tuning whose workers cannot all run at once on {@code slots} task slots.
     *
     * @throws ConfigException naming the key and the slots found
     */
    public static void checkSlots(JobConfig c, int slots, String how) {
        int workers = c.get(LearnKeys.FINE_TUNE_WORKERS);
        if (workers > slots) {
            throw new ConfigException(List.of(LearnKeys.FINE_TUNE_WORKERS.name() + " = " + workers + " workers need as"
                    + " many task slots at once, but the cluster has " + slots + " (" + how + "). Fix: lower "
                    + LearnKeys.FINE_TUNE_WORKERS.name() + " to at most " + slots + ", or give the job more executors or"
                    + " cores"));
        }
    }

    /**
     * Compresses the base model in the run directory, fine-tunes it through the parameter server
     * and writes its deliverables; fills {@code report}'s {@code compressed} section.
     *
     * @param baseline the base model's {@code baseline.json}
     * @throws IllegalStateException if the fine-tuning diverged or failed
     */
    public void run(JavaSparkContext sc, JsonNode baseline, Map<String, Object> report) {
        int workers = config.get(LearnKeys.FINE_TUNE_WORKERS);
        String baseUri = dir.uri() + "/model.zip";
        CompressionRequest cr = BaselineRequests.compression(config, BaselineRequests.training(config));
        Learner learner = LearnerCatalog.searchSpaceOf(cr.algorithm(), cr.options());
        ModelInfo info = ModelInfo.of(ModelFiles.load(baseUri), BaselineRequests.shape(config));
        Map<String, Double> settings = learner.uniform(info, cr.budget());
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("seed", String.valueOf(config.get(RunKeys.SEED)));
        provenance.put("allocation", cr.options().allocation());
        provenance.put("base-model", config.get(ModelKeys.PATH).isEmpty() ? config.get(ModelKeys.ARCH)
                : config.get(ModelKeys.PATH));
        provenance.put("fine-tune-workers", String.valueOf(workers));
        TrialRequest.TrialContext ctx = BaselineRequests.trialContext(config, cr, provenance, baseline);
        TrialRequest req = new TrialRequest(ctx, 0, 0, 0, 1, settings, cr.fineTune(), "", dir.uri() + "/" + FOLDER);
        TrialServer.Settings server = TrialServer.Settings.of(config, sc, workerHook);
        out.accept(String.format("%s: fine-tuning %d epoch(s) on %d workers through the parameter server", learner.name(),
                cr.fineTune().training().epochs(), workers));
        byte[] zip = dir.readBytes("model.zip");
        Broadcast<byte[]> baseModel = sc.broadcast(zip);
        TrialServer.Outcome o;
        long t0 = System.nanoTime();
        try {
            o = new TrialServer(server, baseModel, zip, out).run(sc, req, workers, config.get(DistributedKeys.PORT_BASE),
                    GROUP);
        } finally {
            baseModel.destroy();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        TrialResult r = o.result();
        if (!TrialResult.COMPLETE.equals(r.status())) {
            throw new IllegalStateException("the fine-tuning on " + workers + " workers through the parameter server "
                    + "failed: " + r.reason() + ". Fix: lower " + LearnKeys.FINE_TUNE_LEARNING_RATE.name());
        }
        CandidateArtifacts.Written written = CandidateArtifacts.write(sc, dir, ctx, r, "the compressed model");
        report.put("compressed", section(learner, r, written, o, seconds, baseline));
        out.accept(String.format("compressed model %s: test accuracy %.2f%% (%+.2f points), %,d multiply-adds, %,d packed "
                        + "bytes (%s), fine-tuned on %d workers through the parameter server in %.1f s", learner.name(),
                100 * written.testAccuracy(), 100 * (written.testAccuracy() - baseline.get("testAccuracy").asDouble()),
                r.macs(), r.packedBytes(), dir.uri() + "/model.pfpk", workers, o.seconds()));
    }

    /**
     * The report's {@code compressed} section: the figures of a one-task compression and how it was
     * fine-tuned; {@code fineTuneSeconds} covers compressing, fine-tuning, packing and validating (the
     * exchange alone is {@code fineTuning.seconds}).
     */
    private Map<String, Object> section(Learner learner, TrialResult r, CandidateArtifacts.Written written,
                                        TrialServer.Outcome o, double seconds, JsonNode baseline) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("learner", learner.name());
        m.put("settings", r.settings());
        m.put("testAccuracy", written.testAccuracy());
        m.put("validationAccuracy", r.validationAccuracy());
        m.put("accuracyDrop", baseline.get("testAccuracy").asDouble() - written.testAccuracy());
        m.put("macs", r.macs());
        m.put("macFraction", r.macs() / (double) Math.max(1, baseline.get("macs").asLong()));
        m.put("parameters", r.parameters());
        m.put("packedBytes", r.packedBytes());
        m.put("tensorBytes", r.tensorBytes());
        m.put("latency", r.latency());
        m.put("fineTuneSeconds", seconds);
        m.put("packedFile", dir.uri() + "/model.pfpk");
        m.put("modelFile", dir.uri() + "/compressed.zip");
        m.put("inferenceFile", dir.uri() + "/inference.zip");
        m.put("checkpoint", r.checkpoint());
        m.put("onnx", written.onnx());
        Map<String, Object> ft = new LinkedHashMap<>();
        ft.put("workers", config.get(LearnKeys.FINE_TUNE_WORKERS));
        ft.put("through", "parameter server");
        ft.put("epochs", config.get(LearnKeys.FINE_TUNE_EPOCHS));
        ft.put("codec", config.get(DistributedKeys.CODEC));
        ft.put("seconds", o.seconds());
        ft.put("samplesPerSecond", o.samplesPerSecond());
        m.put("fineTuning", ft);
        return m;
    }
}
