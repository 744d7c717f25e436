package org.pocketflow.driver;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.pocketflow.conf.ConfigException;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.driver.study.StudyInterruptedException;

import com.typesafe.config.ConfigFactory;
import org.pocketflow.worker.io.HadoopConf;

/**
 * Command line of the driver: {@code run [JOB.conf] [--conf key=value ...]}, and
 * {@code resume RUN_DIR [--conf key=value ...]}, which continues an interrupted job from its run
 * directory (its {@code job.conf}, base model and trial store).
 *
 * <p>Exit codes: 0 success, 1 the job failed (see report.json in the run directory), 2 bad
 * input (configuration, inputs, run directory, usage) detected before any Spark work, one line
 * per problem. A failure prints one line; its stack trace goes to {@code driver.log} in the run
 * directory (a temporary file before there is one), and to the terminal with {@code --verbose}.
 */
public final class PocketFlowMain {
    static final String USAGE = "usage: pocketflow run [JOB.conf] [--conf key=value ...] [--verbose] | "
            + "pocketflow resume RUN_DIR [--conf key=value ...] [--verbose]";
    /** Where a failed job's stack trace goes, in the run directory. */
    static final String DRIVER_LOG = "driver.log";

    /**
     * Parsed command line: the job file (optional), the {@code --conf} overrides, and whether a
     * failure's stack trace is also printed on the terminal ({@code --verbose}).
     */
    public record Args(Optional<String> jobFile, List<String> overrides, boolean verbose) {
        /** Parses everything after the sub-command; returns null and prints why on bad usage. */
        public static Args parse(String[] args, int from, PrintStream err) {
            Optional<String> jobFile = Optional.empty();
            List<String> overrides = new ArrayList<>();
            boolean verbose = false;
            for (int i = from; i < args.length; i++) {
                if (args[i].equals("--verbose")) {
                    verbose = true;
                } else if (args[i].equals("--conf")) {
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
            return new Args(jobFile, overrides, verbose);
        }
    }

    private PocketFlowMain() {
    }

    /** Exit code of a job stopped by a signal (128 + SIGINT), resumable with {@code pocketflow resume}. */
    static final int EXIT_INTERRUPTED = 130;

    public static void main(String[] args) {
        if (List.of(args).contains("--verbose")) {
            // read when logging starts: whole stack traces on the terminal
            System.setProperty("log4j2.configurationFile", "log4j2-verbose.properties");
        }
        Interruption.install(Thread.currentThread());
        int code = run(args, System.out, System.err);
        Interruption.jobEnded();
        if (Interruption.requested()) {
            // the JVM is already shutting down on the signal: System.exit would wait for the hook
            // that waits for this thread; returning ends the thread and the JVM exits by itself
            return;
        }
        System.exit(code);
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
            config = resume ? resumedConfig(parsed) : JobConfig.load(nonEmpty(parsed.jobFile()), parsed.overrides());
        } catch (ConfigException e) {
            if (master) {
                out.println("local[*]"); // let "run" report the problems
                return 0;
            }
            e.problems().forEach(err::println);
            return ConfigException.EXIT_CODE;
        }
        HadoopConf.install(config.sparkConf());
        if (master) {
            // used by bin/pocketflow to choose between local mode and spark-submit
            out.println(config.get(org.pocketflow.conf.RuntimeKeys.SPARK_MASTER));
            return 0;
        }
        JobRunner runner = new JobRunner(config, out::println);
        RunDirectory dir;
        try {
            List<String> problems = runner.preflight();
            if (!problems.isEmpty()) {
                problems.forEach(err::println);
                return ConfigException.EXIT_CODE;
            }
            dir = RunDirectory.claim(config, resume, LocalDateTime.now());
        } catch (ConfigException e) {
            e.problems().forEach(err::println);
            return ConfigException.EXIT_CODE;
        } catch (RuntimeException e) {
            return failed("preflight failed", e, null, parsed.verbose(), err);
        }
        try {
            if (resume) {
                runner.resume(dir);
            } else {
                runner.run(dir);
            }
            out.println("done: " + dir.uri() + "/report.json");
            return 0;
        } catch (StudyInterruptedException e) {
            err.println("job interrupted: " + e.getMessage());
            return EXIT_INTERRUPTED;
        } catch (ConfigException e) {
            // input that only the running cluster can judge (its task slots): bad input, refused before any Spark job
            e.problems().forEach(err::println);
            return ConfigException.EXIT_CODE;
        } catch (RuntimeException e) {
            if (Interruption.requested()) {
                err.println("job interrupted: resume it with `pocketflow resume " + dir.uri() + "`");
                return EXIT_INTERRUPTED;
            }
            return failed("job failed", e, dir, parsed.verbose(), err);
        } finally {
            dir.close(); // after driver.log is written: the lease covers every write
        }
    }

    /**
     * Prints one line for a failure (what, the message, where the full trace is) and writes the
     * stack trace to {@code driver.log} in the run directory, or to a temporary file when there is
     * none; with {@code verbose} the trace is printed too.
     */
    private static int failed(String what, RuntimeException e, RunDirectory dir, boolean verbose, PrintStream err) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        String where;
        try {
            if (dir != null) {
                dir.write(DRIVER_LOG, trace.toString());
                where = dir.uri() + "/" + DRIVER_LOG;
            } else {
                java.nio.file.Path log = Files.createTempFile("pocketflow-driver-", ".log");
                Files.writeString(log, trace.toString());
                where = log.toString();
            }
        } catch (IOException | RuntimeException logFailure) {
            where = "nowhere (" + logFailure.getMessage() + "); rerun with --verbose";
        }
        err.println(what + ": " + JobRunner.rootMessage(e) + (dir != null ? " (see " + dir.uri() + "/report.json)" : "")
                + "; stack trace in " + where);
        if (verbose) {
            err.print(trace);
        }
        return 1;
    }

    /** The job file, refused when it holds no key (an empty file would silently run every default). */
    private static Optional<String> nonEmpty(Optional<String> jobFile) {
        if (jobFile.isPresent() && Files.isRegularFile(java.nio.file.Path.of(jobFile.get()))) {
            try {
                if (ConfigFactory.parseFile(new File(jobFile.get())).isEmpty()) {
                    throw new ConfigException(List.of(jobFile.get() + ": the job file sets no key, so every default "
                            + "would run. Fix: set at least pocketflow.job.name and what to do (see "
                            + "conf/examples/*.conf), or leave the file out to run the defaults on purpose"));
                }
            } catch (com.typesafe.config.ConfigException parseError) {
                // JobConfig.load reports it with the line number
            }
        }
        return jobFile;
    }

    /** The {@code spark.*} settings among {@code --conf key=value} overrides. */
    private static java.util.Map<String, String> sparkOverrides(List<String> overrides) {
        java.util.Map<String, String> spark = new java.util.HashMap<>();
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq > 0 && o.startsWith("spark.")) {
                spark.put(o.substring(0, eq).trim(), o.substring(eq + 1).trim());
            }
        }
        return spark;
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
        // the run directory may need the --conf spark.hadoop.* settings to be read at all
        HadoopConf.install(sparkOverrides(parsed.overrides()));
        if (!RunDirectory.pathExists(runDir + "/job.conf")) {
            throw new ConfigException(List.of(runDir + ": no job.conf there, so it is not a run directory of "
                    + "pocketflow. Fix: pass the folder that `pocketflow run` printed as 'run directory'"));
        }
        RunDirectory dir = RunDirectory.create("", runDir, "", LocalDateTime.now());
        try {
            java.nio.file.Path local = Files.createTempFile("pocketflow-resume-", ".conf");
            local.toFile().deleteOnExit();
            String jobConf = dir.read(RunDirectory.JOB_CONF);
            Files.writeString(local, jobConf);
            String pinned = org.pocketflow.conf.RunKeys.RUN_DIR.name() + "=" + dir.uri();
            List<String> overrides = new ArrayList<>(parsed.overrides());
            overrides.add(pinned);
            JobConfig resumed = JobConfig.load(Optional.of(local.toString()), overrides);
            JobConfig recorded = JobConfig.load(Optional.of(local.toString()), List.of(pinned));
            List<String> problems = JobFingerprint.resumeProblems(dir.uri() + "/" + RunDirectory.JOB_CONF, jobConf,
                    recorded.resolved(), resumed.resolved());
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return resumed;
        } catch (IOException e) {
            throw new ConfigException(List.of("cannot copy " + runDir + "/job.conf to a local file: " + e.getMessage()));
        }
    }
}
