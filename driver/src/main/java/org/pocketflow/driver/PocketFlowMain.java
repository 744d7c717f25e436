package org.pocketflow.driver;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.pocketflow.conf.ConfigException;
import org.pocketflow.conf.JobConfig;

/**
 * Command line of the driver: {@code run [JOB.conf] [--conf key=value ...]}.
 *
 * <p>Exit codes: 0 success, 1 the job failed (see report.json in the run directory), 2 bad
 * input (configuration, usage) detected before any Spark work.
 */
public final class PocketFlowMain {
    static final String USAGE = "usage: pocketflow run [JOB.conf] [--conf key=value ...]";

    /** Parsed command line: the job file (optional) and the {@code --conf} overrides. */
    public record Args(Optional<String> jobFile, List<String> overrides) {
        /** Parses everything after the sub-command; returns null and prints why on bad usage. */
        public static Args parse(String[] args, PrintStream err) {
            Optional<String> jobFile = Optional.empty();
            List<String> overrides = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
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
        if (!command.equals("run") && !command.equals("master")) {
            err.println(USAGE);
            return 2;
        }
        Args parsed = Args.parse(args, err);
        if (parsed == null) {
            return 2;
        }
        JobConfig config;
        try {
            config = JobConfig.load(parsed.jobFile(), parsed.overrides());
        } catch (ConfigException e) {
            if (command.equals("master")) {
                out.println("local[*]"); // let "run" report the problems
                return 0;
            }
            e.problems().forEach(err::println);
            return ConfigException.EXIT_CODE;
        }
        if (command.equals("master")) {
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
            RunDirectory dir = runner.run();
            out.println("done: " + dir.uri() + "/report.json");
            return 0;
        } catch (RuntimeException e) {
            err.println("job failed: " + JobRunner.rootMessage(e));
            return 1;
        }
    }
}
