package org.pocketflow.driver;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.spark.api.java.JavaSparkContext;
import org.pocketflow.conf.DataKeys;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.ModelKeys;
import org.pocketflow.conf.RunKeys;
import org.pocketflow.driver.study.StudyInterruptedException;
import org.pocketflow.driver.study.StudyRun;
import org.pocketflow.driver.study.StudySettings;
import org.pocketflow.worker.runtime.Versions;
import org.pocketflow.worker.task.BaselineRequest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Runs one job on Spark: base model on an executor, then the report.
 *
 * <p>Order: {@link #preflight} checks what configuration validation could not (remote URIs)
 * before any Spark work; {@link #run} creates the run directory, writes the resolved job
 * configuration into it first, runs the work as Spark jobs (the base model, then the study when
 * {@code pocketflow.search.sampler} is set), and always leaves a
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

    public JobRunner(JobConfig config, Consumer<String> out) {
        this.config = config;
        this.out = out;
    }

    /**
     * Problems with inputs on remote file systems and a channel-pruning target the given model cannot
     * reach, one line each (empty when all is well).
     */
    public List<String> preflight() {
        var problems = new java.util.ArrayList<String>(StudySettings.problems(config));
        String data = config.get(DataKeys.URI);
        if (!RunDirectory.pathExists(data)) {
            problems.add(DataKeys.URI.name() + " = " + data + ": not found. Fix: point it at a folder holding "
                    + "the Fashion-MNIST IDX files (sudo apt-get install dataset-fashion-mnist puts them in "
                    + "/usr/share/datasets/fashion-mnist).");
        }
        String model = config.get(ModelKeys.PATH);
        if (!model.isEmpty() && !RunDirectory.pathExists(model)) {
            problems.add(ModelKeys.PATH.name() + " = " + model + ": not found. Fix: point it at a DL4J model zip, "
                    + "or leave it empty to train the architecture from scratch.");
        }
        problems.addAll(PruningPreflight.problems(config));
        return problems;
    }

    /** Runs the job; returns the run directory. Exceptions propagate after report.json is written. */
    public RunDirectory run() {
        return execute(false);
    }

    /**
     * Continues the job in {@code pocketflow.run.dir}: the base model is reused when
     * {@code baseline.json} is there, and the study resumes from its trial store (finished trials
     * are not run again).
     */
    public RunDirectory resume() {
        return execute(true);
    }

    private RunDirectory execute(boolean resume) {
        Instant started = Instant.now();
        RunDirectory dir = RunDirectory.create(config.get(RunKeys.RUN_ROOT), config.get(RunKeys.RUN_DIR),
                config.get(RunKeys.JOB_NAME), LocalDateTime.now());
        out.accept("run directory " + dir.uri());
        dir.write("job.conf", render(config.resolved()));

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("format", REPORT_FORMAT);
        report.put("job", config.get(RunKeys.JOB_NAME));
        report.put("runDir", dir.uri());
        report.put("startedAt", started.toString());
        report.put("status", "running");
        try (JavaSparkContext sc = SparkContexts.create(config, "pocketflow:" + config.get(RunKeys.JOB_NAME))) {
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
            JsonNode compressed = baseline.get("compressed");
            if (compressed != null && !compressed.isNull()) {
                out.accept(compressedSummary(compressed));
            }
            if (StudySettings.of(config).enabled()) {
                new StudyRun(config, dir, out).run(sc, sha, report);
            }
            report.put("status", "succeeded");
        } catch (StudyInterruptedException e) {
            report.put("status", "interrupted");
            report.put("error", e.getMessage());
            throw e;
        } catch (Exception e) {
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
        }
        return dir;
    }

    private Map<String, Object> provenance(JavaSparkContext sc) {
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

    private static String render(Map<String, String> resolved) {
        StringBuilder sb = new StringBuilder("# resolved configuration of this run (all keys, defaults included)\n");
        resolved.forEach((k, v) -> sb.append(k).append(" = ").append(quote(v)).append('\n'));
        return sb.toString();
    }

    private static String quote(String v) {
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String msg = t.getMessage() == null ? t.getClass().getName() : t.getMessage();
        return t == e ? msg : msg + " (" + t.getClass().getSimpleName() + ")";
    }
}
