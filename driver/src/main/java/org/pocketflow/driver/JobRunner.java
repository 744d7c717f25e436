package org.pocketflow.driver;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import org.apache.spark.api.java.JavaSparkContext;
import org.pocketflow.conf.ConfigException;
import org.pocketflow.conf.ConfigKey;
import org.pocketflow.conf.DataKeys;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.LearnKeys;
import org.pocketflow.conf.ModelKeys;
import org.pocketflow.conf.RunKeys;
import org.pocketflow.driver.distributed.TrialServer;
import org.pocketflow.driver.report.HtmlReport;
import org.pocketflow.driver.study.StudyInterruptedException;
import org.pocketflow.driver.study.StudyRun;
import org.pocketflow.driver.study.StudySettings;
import org.pocketflow.worker.data.DatasetException;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.IdxReader;
import org.pocketflow.worker.distributed.NopWorkerHook;
import org.pocketflow.worker.distributed.WorkerHook;
import org.pocketflow.worker.model.ModelFiles;
import org.pocketflow.worker.runtime.Versions;
import org.pocketflow.worker.task.BaselineRequest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Runs one job on Spark: base model on an executor, then the report.
 *
 * <p>Order: {@link #preflight} checks what configuration validation could not (remote URIs)
 * before any Spark work; {@link #run} creates the run directory, writes the resolved job
 * configuration into it first, runs the work as Spark jobs (the base model, then the study when
 * {@code pocketflow.search.sampler} is set, or the fine-tuning through the parameter server when
 * {@code pocketflow.learn.fine-tune-workers} is above 1: {@link ServerFineTuning}), and always leaves a
 * {@code report.json}: with {@code "status": "succeeded"} and the figures, or
 * {@code "status": "failed"} and the error.
 */
public final class JobRunner {
    /** Version of the report.json layout. */
    public static final String REPORT_FORMAT = "pocketflow-report/1";
    /** The base model's figures in the run directory, so that a resumed job does not train it again. */
    static final String BASELINE = "baseline.json";

    private final JobConfig config;
    private final Consumer<String> out;
    private final WorkerHook workerHook;

    public JobRunner(JobConfig config, Consumer<String> out) {
        this(config, out, NopWorkerHook.INSTANCE);
    }

    /**
     * @param workerHook passed to the study's workers through the parameter server (fault
     *                   injection in tests; the command line uses {@link NopWorkerHook})
     */
    public JobRunner(JobConfig config, Consumer<String> out, WorkerHook workerHook) {
        this.config = config;
        this.out = out;
        this.workerHook = workerHook;
    }

    /**
     * Problems with the job's inputs, one line each naming the key or file and the fix (empty
     * when all is well): the data folder and its IDX files (headers against lengths, gzip
     * streams decompressed to their end), the model (zip opened and checked whole, or a Keras
     * file imported; its input and classes against the data's, {@link ModelFit}), and a
     * channel-pruning target the given model cannot reach. Reads through
     * Hadoop FS, so remote inputs are checked too.
     */
    public List<String> preflight() {
        var problems = new java.util.ArrayList<String>(StudySettings.problems(config));
        problems.addAll(ServerFineTuning.problems(config));
        problems.addAll(DataChecks.problems(config));
        String data = config.get(DataKeys.URI);
        Optional<String> noData = unreachable(DataKeys.URI, data, "point it at the data folder ("
                + DataKeys.FORMAT.name() + " = " + config.get(DataKeys.FORMAT) + "; for the default, Fashion-MNIST's"
                + " IDX files, sudo apt-get install dataset-fashion-mnist puts them in"
                + " /usr/share/datasets/fashion-mnist).");
        if (noData.isPresent()) {
            problems.add(noData.get());
        } else if (config.get(DataKeys.FORMAT).equals("idx")) {
            problems.addAll(idxProblems(data));
        }
        String model = config.get(ModelKeys.PATH);
        Optional<String> noModel = model.isEmpty() ? Optional.empty() : unreachable(ModelKeys.PATH, model,
                "point it at a DL4J model zip, or leave it empty to train the architecture from scratch.");
        if (noModel.isPresent()) {
            problems.add(noModel.get());
        } else if (!model.isEmpty()) {
            try {
                ModelFiles.check(model);
                if (problems.isEmpty()) {
                    DataChecks.classes(config).ifPresent(classes -> problems.addAll(
                            ModelFit.problems(config, BaselineRequests.shape(config), classes)));
                }
            } catch (IllegalArgumentException e) {
                problems.add(ModelKeys.PATH.name() + ": " + e.getMessage());
            }
        } else if (problems.isEmpty()) {
            DataChecks.classes(config).ifPresent(classes -> problems.addAll(
                    ModelFit.zooProblems(config, BaselineRequests.shape(config), classes)));
        }
        problems.addAll(PruningPreflight.problems(config));
        problems.addAll(localSlotProblems());
        return problems;
    }

    /** The four IDX files of {@code folder} present and sound (image and label pairs checked together). */
    private static List<String> idxProblems(String folder) {
        List<String> problems = new java.util.ArrayList<>();
        List<String> names = List.of(IdxDataset.TRAIN_IMAGES, IdxDataset.TRAIN_LABELS, IdxDataset.TEST_IMAGES,
                IdxDataset.TEST_LABELS);
        List<String> found = new java.util.ArrayList<>();
        for (String name : names) {
            String file = RunDirectory.pathExists(folder + "/" + name) ? folder + "/" + name
                    : RunDirectory.pathExists(folder + "/" + name + ".gz") ? folder + "/" + name + ".gz" : null;
            if (file == null) {
                problems.add(DataKeys.URI.name() + " = " + folder + ": " + name + "[.gz] is missing. Fix: point it at a "
                        + "folder holding the four IDX files (sudo apt-get install dataset-fashion-mnist)");
            }
            found.add(file);
        }
        for (int pair = 0; pair < 4 && problems.isEmpty(); pair += 2) {
            try {
                IdxReader.check(found.get(pair), found.get(pair + 1));
            } catch (DatasetException e) {
                problems.add(DataKeys.URI.name() + ": " + e.getMessage());
            }
        }
        return problems;
    }

    /**
     * Runs the job in {@code dir}, a directory {@link RunDirectory#claim claimed} for a new job:
     * writes {@code job.conf} (with the job's {@link JobFingerprint}) first. Exceptions propagate
     * after report.json is written.
     */
    public RunDirectory run(RunDirectory dir) {
        out.accept("run directory " + dir.uri());
        dir.write(RunDirectory.JOB_CONF, JobFingerprint.render(config.resolved()));
        return execute(dir, false);
    }

    /**
     * Continues the job in {@code dir} (claimed for resumption; its {@code job.conf} is kept as
     * it is): the base model is reused when {@code baseline.json} is there, and the study resumes
     * from its trial store (finished trials are not run again).
     */
    public RunDirectory resume(RunDirectory dir) {
        out.accept("run directory " + dir.uri());
        return execute(dir, true);
    }

    private RunDirectory execute(RunDirectory dir, boolean resume) {
        Instant started = Instant.now();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("format", REPORT_FORMAT);
        report.put("job", config.get(RunKeys.JOB_NAME));
        report.put("runDir", dir.uri());
        report.put("startedAt", started.toString());
        report.put("status", "running");
        try (JavaSparkContext sc = SparkContexts.create(config, "pocketflow:" + config.get(RunKeys.JOB_NAME))) {
            checkServerSlots(sc);
            Map<String, Object> provenance = provenance(sc);
            report.put("provenance", provenance);
            JsonNode baseline;
            if (resume && dir.exists(BASELINE)) {
                out.accept("resuming: base model from " + dir.uri() + "/" + BASELINE);
                baseline = Json.MAPPER.readTree(dir.read(BASELINE));
            } else {
                BaselineRequest request = BaselineRequests.from(config, dir.uri());
                sc.setJobGroup("baseline", "full-precision base model", true);
                String json = sc.parallelize(List.of(request), 1).map(new BaselineFunction()).collect().get(0);
                dir.write(BASELINE, json);
                baseline = Json.MAPPER.readTree(json);
            }
            report.put("baseline", baseline);
            String sha = baseline.at("/dataset/sha256").asText();
            provenance.put("datasetSha256", sha);
            out.accept(summary(baseline));
            baseline.path("warnings").forEach(w -> out.accept("WARNING: " + w.asText()));
            JsonNode compressed = baseline.get("compressed");
            if (compressed != null && !compressed.isNull()) {
                out.accept(compressedSummary(compressed));
                JsonNode onnx = compressed.path("onnx");
                if (onnx.has("status")) {
                    String status = onnx.get("status").asText();
                    out.accept(("ok".equals(status) ? "onnx " : "WARNING onnx ") + status + ": "
                            + onnx.path("message").asText());
                }
            }
            if (StudySettings.of(config).enabled()) {
                new StudyRun(config, dir, out, workerHook).run(sc, sha, report);
            } else if (ServerFineTuning.enabled(config)) {
                new ServerFineTuning(config, dir, out, workerHook).run(sc, baseline, report);
            }
            report.put("status", "succeeded");
        } catch (StudyInterruptedException e) {
            report.put("status", "interrupted");
            report.put("error", e.getMessage());
            throw e;
        } catch (Exception e) {
            if (Interruption.requested()) {
                report.put("status", "interrupted");
                report.put("error", "stopped by a signal; resume with `pocketflow resume " + dir.uri() + "`");
                throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
            }
            report.put("status", "failed");
            report.put("error", rootMessage(e));
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
        } finally {
            Instant finished = Instant.now();
            report.put("finishedAt", finished.toString());
            report.put("wallSeconds", Duration.between(started, finished).toMillis() / 1000.0);
            try {
                dir.write("report.json", Json.MAPPER.writeValueAsString(report));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot render report.json", e);
            }
            writeHtmlReport(dir, report);
        }
        return dir;
    }

    /**
     * With a local master its URL fixes the task slots, so a study, or a fine-tuning on several
     * workers, that cannot fit them is refused before the run directory.
     */
    private List<String> localSlotProblems() {
        int needed = serverSlotsNeeded();
        TaskSlots.Count slots = TaskSlots.ofMaster(config.get(org.pocketflow.conf.RuntimeKeys.SPARK_MASTER),
                Integer.parseInt(config.sparkConf().getOrDefault("spark.task.cpus", "1")),
                Runtime.getRuntime().availableProcessors());
        if (needed == 0 || slots == null) {
            return List.of();
        }
        try {
            checkSlots(slots);
            return List.of();
        } catch (ConfigException e) {
            return e.problems();
        }
    }

    /**
     * Workers through parameter servers must fit the cluster's task slots, and the servers listen
     * off loopback only with authentication or the explicit opt-out: refused before any Spark job.
     */
    private void checkServerSlots(JavaSparkContext sc) {
        int needed = serverSlotsNeeded();
        if (needed > 0) {
            checkSlots(TaskSlots.await(sc, needed));
            try {
                TrialServer.Settings.of(config, sc, NopWorkerHook.INSTANCE);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(List.of(e.getMessage()));
            }
        }
    }

    /** Task slots that the job's workers through parameter servers need at once; 0 when it has none. */
    private int serverSlotsNeeded() {
        StudySettings study = StudySettings.of(config);
        if (study.enabled()) {
            return study.slotsNeeded();
        }
        return ServerFineTuning.enabled(config) ? config.get(LearnKeys.FINE_TUNE_WORKERS) : 0;
    }

    private void checkSlots(TaskSlots.Count slots) {
        if (StudySettings.of(config).enabled()) {
            StudySettings.of(config).checkSlots(slots.slots(), slots.how());
        } else {
            ServerFineTuning.checkSlots(config, slots.slots(), slots.how());
        }
    }

    /** report.html beside report.json; a failure to render it is reported and does not change the job's outcome. */
    private void writeHtmlReport(RunDirectory dir, Map<String, Object> report) {
        try {
            HtmlReport.write(dir.uri(), Json.MAPPER.valueToTree(report));
        } catch (RuntimeException | LinkageError e) {
            out.accept(HtmlReport.FILE + " not written: " + rootMessage(e) + " (report.json holds every figure)");
        }
    }

    private Map<String, Object> provenance(JavaSparkContext sc) {
        return provenance(config, sc);
    }

    /** Provenance of a job: seed, job file, every resolved key, library versions, master. */
    public static Map<String, Object> provenance(JobConfig config, JavaSparkContext sc) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("seed", config.get(RunKeys.SEED));
        p.put("jobFile", config.jobFile().orElse(""));
        p.put("config", config.resolved());
        Map<String, String> versions = new LinkedHashMap<>(Versions.runtime());
        versions.put("spark.version", sc.version());
        versions.put("scala.version", scala.util.Properties.versionNumberString());
        p.put("versions", versions);
        p.put("sparkMaster", sc.master());
        return p;
    }

    private static String summary(JsonNode b) {
        return String.format("base model %s: test accuracy %.2f%%, %,d parameters, %,d multiply-adds, %,d bytes, "
                        + "latency %.3f ms (batch 1) / %.3f ms (batch 64)",
                b.get("model").asText(), 100 * b.get("testAccuracy").asDouble(), b.get("parameters").asLong(),
                b.get("macs").asLong(), b.get("serializedBytes").asLong(),
                b.at("/latency/batch1Millis").asDouble(), b.at("/latency/batch64Millis").asDouble());
    }

    private static String compressedSummary(JsonNode c) {
        return String.format("compressed model %s: test accuracy %.2f%% (%+.2f points), %,d multiply-adds, %,d packed "
                        + "bytes (%s), latency %.3f ms (batch 1) / %.3f ms (batch 64)", c.get("learner").asText(),
                100 * c.get("testAccuracy").asDouble(), -100 * c.get("accuracyDrop").asDouble(), c.get("macs").asLong(),
                c.get("packedBytes").asLong(), c.get("packedFile").asText(), c.at("/latency/batch1Millis").asDouble(),
                c.at("/latency/batch64Millis").asDouble());
    }

    /**
     * Why {@code uri}, the value of {@code key}, cannot be read: a scheme this build has no file
     * system for, or nothing there ({@code notFoundFix} then says what to give); empty when it is there.
     */
    private static Optional<String> unreachable(ConfigKey<String> key, String uri, String notFoundFix) {
        Optional<String> scheme = RunDirectory.unreadableScheme(uri);
        if (scheme.isPresent()) {
            return Optional.of(key.name() + " = " + uri + ": " + scheme.get() + ". Fix: give a local path or a URI of one"
                    + " of those schemes");
        }
        return RunDirectory.pathExists(uri) ? Optional.empty()
                : Optional.of(key.name() + " = " + uri + ": not found. Fix: " + notFoundFix);
    }

    /**
     * The message that says what went wrong, on one line: the deepest exception in the cause chain
     * that the project's own code threw (its messages name the file and the fix), followed by the
     * root cause's message; the root cause alone when no project code threw. Wrappers that only
     * repeat their cause are skipped, and a message is cut before its first stack frame, so Spark's
     * "Job aborted due to stage failure" with the executor's trace and "Driver stacktrace" comes
     * down to the task's exception; a root cause without a message (a {@code NullPointerException}
     * whose text was lost in serialization) is named by what Spark's message says of the task's
     * failure (or its class) and where it was thrown.
     */
    public static String rootMessage(Throwable e) {
        Throwable own = null;
        String taskFailure = null;
        Throwable t = e;
        while (true) {
            String message = oneLine(t.getMessage());
            int lost = message == null ? -1 : message.indexOf(SPARK_TASK_FAILURE);
            if (lost >= 0) {
                int colon = message.indexOf("): ", lost);
                taskFailure = message.substring(colon >= 0 ? colon + 3 : lost + SPARK_TASK_FAILURE.length());
            }
            boolean wrapper = t.getCause() != null && t.getMessage() != null
                    && t.getMessage().equals(t.getCause().toString());
            if (!wrapper && message != null && t.getStackTrace().length > 0
                    && t.getStackTrace()[0].getClassName().startsWith("org.pocketflow.")) {
                own = t;
            }
            if (t.getCause() == null || t.getCause() == t) {
                break;
            }
            t = t.getCause();
        }
        String root = oneLine(t.getMessage());
        if (root == null) {
            root = taskFailure != null ? taskFailure : t.getClass().getName();
            if (t.getStackTrace().length > 0) {
                root += " at " + t.getStackTrace()[0];
            }
        }
        if (own != null && own != t) {
            return oneLine(own.getMessage()) + " (cause: " + root + ", " + t.getClass().getSimpleName() + ")";
        }
        return t == e || root.startsWith(t.getClass().getName()) ? root : root + " (" + t.getClass().getSimpleName() + ")";
    }

    /** What Spark's "Job aborted due to stage failure" message says before the failed task's exception. */
    private static final String SPARK_TASK_FAILURE = "most recent failure: ";

    /**
     * {@code message} on one line (null stays null): cut before the first stack frame or Spark's
     * "Driver stacktrace", its remaining lines joined with spaces.
     */
    private static String oneLine(String message) {
        if (message == null) {
            return null;
        }
        int cut = message.length();
        for (String end : new String[] {"\n\tat ", "\nDriver stacktrace:"}) {
            int at = message.indexOf(end);
            cut = at >= 0 ? Math.min(cut, at) : cut;
        }
        return message.substring(0, cut).replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
