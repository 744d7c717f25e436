package org.pocketflow.driver.distributed;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.api.java.JavaSparkContext;
import org.pocketflow.conf.ConfigException;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.RunKeys;
import org.pocketflow.driver.JobFingerprint;
import org.pocketflow.driver.JobRunner;
import org.pocketflow.driver.Json;
import org.pocketflow.driver.PocketFlowMain;
import org.pocketflow.driver.RunDirectory;
import org.pocketflow.driver.SparkContexts;
import org.pocketflow.worker.distributed.NopWorkerHook;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.pocketflow.worker.io.HadoopConf;

/**
 * Command line of distributed training: {@code train [JOB.conf] [--conf key=value ...]}. The
 * whole configuration is validated before Spark starts (exit 2 on bad input); the run directory
 * ({@code pocketflow.run.dir}, or a new one under {@code pocketflow.run.root}, leased like a
 * compression job's) receives {@code job.conf}, {@code model.zip}, the checkpoint when enabled,
 * {@code distributed.json} and {@code report.json} (also when training fails). Rerunning the same
 * job with the same {@code pocketflow.run.dir} resumes from its checkpoint; another job there is
 * refused. Exit 0 on success, 1 on failure, 2 on bad input or a job that does not fit the cluster.
 */
public final class DistributedMain {
    static final String USAGE = "usage: DistributedMain train [JOB.conf] [--conf key=value ...]";

    private DistributedMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || !args[0].equals("train")) {
            err.println(USAGE);
            return 2;
        }
        PocketFlowMain.Args parsed = PocketFlowMain.Args.parse(args, 1, err);
        if (parsed == null) {
            return 2;
        }
        JobConfig config;
        try {
            config = JobConfig.load(parsed.jobFile(), parsed.overrides());
            HadoopConf.install(config.sparkConf());
            DistributedRequests.from(config, NopWorkerHook.INSTANCE);
        } catch (ConfigException e) {
            e.problems().forEach(err::println);
            return ConfigException.EXIT_CODE;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return ConfigException.EXIT_CODE;
        }
        RunDirectory dir;
        try {
            dir = claim(config);
        } catch (ConfigException e) {
            e.problems().forEach(err::println);
            return ConfigException.EXIT_CODE;
        }
        out.println("run directory " + dir.uri());
        Instant started = Instant.now();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("format", JobRunner.REPORT_FORMAT);
        report.put("job", config.get(RunKeys.JOB_NAME));
        report.put("kind", "train-distributed");
        report.put("runDir", dir.uri());
        report.put("startedAt", started.toString());
        int code;
        try (JavaSparkContext sc = SparkContexts.create(config, "pocketflow-distributed:"
                + config.get(RunKeys.JOB_NAME))) {
            report.put("provenance", JobRunner.provenance(config, sc));
            DistributedResult r = new DistributedTrainer(config, out::println, NopWorkerHook.INSTANCE).train(sc, dir.uri());
            dir.write("distributed.json", Json.MAPPER.writeValueAsString(r));
            report.put("distributed", r);
            report.put("status", "succeeded");
            out.println("done: " + dir.uri() + "/report.json");
            code = 0;
        } catch (IllegalArgumentException e) {
            // the job does not fit the cluster (task slots, server address, checkpoint folder): bad input
            report.put("status", "failed");
            report.put("error", e.getMessage());
            err.println(e.getMessage());
            code = ConfigException.EXIT_CODE;
        } catch (RuntimeException | JsonProcessingException e) {
            report.put("status", "failed");
            report.put("error", JobRunner.rootMessage(e));
            err.println("distributed training failed: " + JobRunner.rootMessage(e));
            code = 1;
        }
        report.put("finishedAt", Instant.now().toString());
        report.put("wallSeconds", Duration.between(started, Instant.now()).toMillis() / 1000.0);
        try (dir) {
            dir.write("report.json", Json.MAPPER.writeValueAsString(report));
        } catch (RuntimeException | JsonProcessingException e) {
            err.println("cannot write " + dir.uri() + "/report.json: " + e.getMessage());
            return code == 0 ? 1 : code;
        }
        return code;
    }

    /**
     * The run directory, leased: a new one receives {@code job.conf}; an explicit
     * {@code pocketflow.run.dir} that already holds this very job is run again (resuming from its
     * checkpoint), one that holds another job is refused.
     */
    private static RunDirectory claim(JobConfig config) {
        String explicit = config.get(RunKeys.RUN_DIR);
        boolean again = !explicit.isEmpty() && RunDirectory.pathExists(explicit + "/" + RunDirectory.JOB_CONF);
        RunDirectory dir = RunDirectory.claim(config, again, LocalDateTime.now());
        String jobConf = JobFingerprint.render(config.resolved());
        if (again) {
            List<String> problems = JobFingerprint.rerunProblems(dir.uri() + "/" + RunDirectory.JOB_CONF,
                    dir.read(RunDirectory.JOB_CONF), config.resolved());
            if (!problems.isEmpty()) {
                dir.close();
                throw new ConfigException(problems);
            }
        } else {
            dir.write(RunDirectory.JOB_CONF, jobConf);
        }
        return dir;
    }
}
