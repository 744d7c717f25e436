package org.pocketflow.driver.distributed;

import java.io.PrintStream;
import java.time.LocalDateTime;

import org.apache.spark.api.java.JavaSparkContext;
import org.pocketflow.conf.ConfigException;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.RunKeys;
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
 * ({@code pocketflow.run.dir}, or a new one under {@code pocketflow.run.root}) receives {@code
 * model.zip}, the checkpoint when enabled, and {@code distributed.json}. Rerunning with the same
 * {@code pocketflow.run.dir} resumes from its checkpoint. Exit 0 on success, 1 on failure.
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
        RunDirectory dir = RunDirectory.create(config.get(RunKeys.RUN_ROOT), config.get(RunKeys.RUN_DIR),
                config.get(RunKeys.JOB_NAME), LocalDateTime.now());
        out.println("run directory " + dir.uri());
        try (JavaSparkContext sc = SparkContexts.create(config, "pocketflow-distributed:" + config.get(RunKeys.JOB_NAME))) {
            DistributedResult r = new DistributedTrainer(config, out::println, NopWorkerHook.INSTANCE).train(sc, dir.uri());
            dir.write("distributed.json", Json.MAPPER.writeValueAsString(r));
            out.println("done: " + dir.uri() + "/distributed.json");
            return 0;
        } catch (IllegalArgumentException e) {
            // the job does not fit the cluster (task slots, server address, checkpoint folder): bad input
            err.println(e.getMessage());
            return ConfigException.EXIT_CODE;
        } catch (RuntimeException | JsonProcessingException e) {
            err.println("distributed training failed: " + e.getMessage());
            return 1;
        }
    }
}
