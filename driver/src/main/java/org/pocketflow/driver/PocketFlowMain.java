package org.pocketflow.driver;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.pocketflow.conf.ConfigException;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.driver.study.StudyInterruptedException;

/**
 * Command line of the driver: {@code run [JOB.conf] [--conf key=value ...]}, and
 * {@code resume RUN_DIR [--conf key=value ...]}, which continues an interrupted job from its run
 * directory (its {@code job.conf}, base model and trial store).
 *
 * <p>Exit codes: 0 success, 1 the job failed (see report.json in the run directory), 2 bad
 * input (configuration, usage) detected before any Spark work.
 */
public final class PocketFlowMain {
    static final String USAGE = "usage: pocketflow run [JOB.conf] [--conf key=value ...] | "
            + "pocketflow resume RUN_DIR [--conf key=value ...]";

    /** Parsed command line: the job file (optional) and the {@code --conf} overrides. */
    public record Args(Optional<String> jobFile, List<String> overrides) {
        /** Parses everything after the sub-command; returns null and prints why on bad usage. */
        public static Args parse(String[] args, int from, PrintStream err) {
            Optional<String> jobFile = Optional.empty();
            List<String> overrides = new ArrayList<>();
            for (int i = from; i < args.length; i++) {
                if (args[i].equals("--conf")) {
                    if (i + 1 >= args.length) {
                        err.println("--conf needs a key=value after it. " + USAGE);
                        return null;
                    }
                    overrides.add(args[++i]);
                } else if (args[i].startsWith("--conf=")) {
                    overrides.add(args[i].substring("--conf=".length()));
                } else if (jobFile.isEmpty() && !args[i].startsWith("-")) {
                    jobFile = Optional.of(args[i]);
                } else {
                    err.println("unexpected argument '" + args[i] + "'. " + USAGE);
                    return null;
                }
            }
            return new Args(jobFile, overrides);
        }
    }

    private PocketFlowMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        String command = args.length == 0 ? "" : args[0];
        if (!command.equals("run") && !command.equals("master") && !command.equals("resume")) {
            err.println(USAGE);
            return 2;
        }
        boolean master = command.equals("master");
        int from = 1;
        if (master && args.length > 1 && (args[1].equals("run") || args[1].equals("resume"))) {
            command = args[1]; // "master resume DIR": the master the resumed job would use
            from = 2;
        }
        boolean resume = command.equals("resume");
        Args parsed = Args.parse(args, from, err);
        if (parsed == null) {
            return 2;
        }
        JobConfig config;
        try {
            config = resume ? resumedConfig(parsed) : JobConfig.load(parsed.jobFile(), parsed.overrides());
        } catch (ConfigException e) {
            if (master) {
                out.println("local[*]"); // let "run" report the problems
                return 0;
            }
            e.problems().forEach(err::println);
            return ConfigException.EXIT_CODE;
        }
        if (master) {
            // used by bin/pocketflow to choose between local mode and spark-submit
            out.println(config.get(org.pocketflow.conf.RuntimeKeys.SPARK_MASTER));
            return 0;
        }
        JobRunner runner = new JobRunner(config, out::println);
        List<String> problems = runner.preflight();
        if (!problems.isEmpty()) {
            problems.forEach(err::println);
            return ConfigException.EXIT_CODE;
        }
        try {
            RunDirectory dir = resume ? runner.resume() : runner.run();
            out.println("done: " + dir.uri() + "/report.json");
            return 0;
        } catch (StudyInterruptedException e) {
            err.println("job interrupted: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println("job failed: " + JobRunner.rootMessage(e));
            return 1;
        }
    }

    /**
     * The configuration of the job in the run directory {@code parsed.jobFile()}: its resolved
     * {@code job.conf} (read through Hadoop FS, so any file system), then {@code --conf} overrides,
     * then {@code pocketflow.run.dir} pinned to that directory.
     */
    private static JobConfig resumedConfig(Args parsed) {
        if (parsed.jobFile().isEmpty()) {
            throw new ConfigException(List.of("resume needs the run directory of the job to continue. " + USAGE));
        }
        String runDir = parsed.jobFile().get();
        if (!RunDirectory.pathExists(runDir + "/job.conf")) {
            throw new ConfigException(List.of(runDir + ": no job.conf there, so it is not a run directory of "
                    + "pocketflow. Fix: pass the folder that `pocketflow run` printed as 'run directory'"));
        }
        RunDirectory dir = RunDirectory.create("", runDir, "", java.time.LocalDateTime.now());
        try {
            java.nio.file.Path local = java.nio.file.Files.createTempFile("pocketflow-resume-", ".conf");
            local.toFile().deleteOnExit();
            java.nio.file.Files.writeString(local, dir.read("job.conf"));
            List<String> overrides = new ArrayList<>(parsed.overrides());
            overrides.add(org.pocketflow.conf.RunKeys.RUN_DIR.name() + "=" + dir.uri());
            return JobConfig.load(Optional.of(local.toString()), overrides);
        } catch (java.io.IOException e) {
            throw new ConfigException(List.of("cannot copy " + runDir + "/job.conf to a local file: " + e.getMessage()));
        }
    }
}
