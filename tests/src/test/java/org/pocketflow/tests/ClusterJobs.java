package org.pocketflow.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the tests that run PocketFlow on a cluster of real processes share: the prerequisites
 * (Fashion-MNIST, a current shaded application jar), starting {@code submit/bin/pocketflow} as a
 * user does, and waiting for it with its log at hand.
 */
final class ClusterJobs {
    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
    static final long JOB_MINUTES = 6;

    private ClusterJobs() {
    }

    /** The repository's root (the tests module runs one level below it). */
    static Path root() {
        return Path.of(System.getProperty("pf.repo.root", "..")).toAbsolutePath().normalize();
    }

    /**
     * The shaded application jar, after checking what a cluster job needs: the launcher's class
     * path, Fashion-MNIST and a jar no older than the compiled classes. A missing prerequisite fails
     * under {@code CI=true} and skips elsewhere.
     */
    static Path requireAppJarAndData() throws IOException {
        Path root = root();
        assertTrue(Files.exists(root.resolve("submit/target/classpath.txt")),
                "launcher classpath not built (the submit module packages it before this module's tests)");
        require(Files.isDirectory(DATA), "Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist");
        Path jar = root.resolve("submit/target/pocketflow-app.jar");
        require(Files.exists(jar), jar + " is not built. Fix: mvn -B -Pdist verify (as .ci/run does)");
        Optional<Path> newer = newerClass(root, Files.getLastModifiedTime(jar));
        require(newer.isEmpty(), jar + " is older than " + newer.orElse(null) + ". Fix: mvn -B -Pdist verify");
        return jar;
    }

    /** A missing prerequisite fails under CI and skips elsewhere. */
    static void require(boolean ok, String message) {
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(ok, message);
        } else {
            assumeTrue(ok, message);
        }
    }

    /**
     * A compiled class of the application newer than the jar, which then tests stale code (classes
     * only: every build rewrites filtered resources such as build.properties).
     */
    private static Optional<Path> newerClass(Path root, FileTime jarTime) throws IOException {
        for (String module : List.of("conf", "quantized-sgd", "worker", "driver")) {
            Path classes = root.resolve(module).resolve("target/classes");
            if (!Files.isDirectory(classes)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(classes)) {
                Optional<Path> newer = s.filter(p -> p.toString().endsWith(".class")).filter(p -> {
                    try {
                        return Files.getLastModifiedTime(p).compareTo(jarTime) > 0;
                    } catch (IOException e) {
                        return true;
                    }
                }).findFirst();
                if (newer.isPresent()) {
                    return newer;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Starts {@code submit/bin/pocketflow COMMAND --conf ...} with {@code env} added to this JVM's
     * environment and the given application jar (never building); output goes to {@code log}.
     */
    static Process launch(Path log, Path appJar, Map<String, String> env, String command, List<String> conf)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(root().resolve("submit/bin/pocketflow").toString(), command));
        conf.forEach(c -> cmd.addAll(List.of("--conf", c)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        pb.environment().putAll(Map.of("PF_NO_BUILD", "1", "PF_APP_JAR", appJar.toString()));
        return pb.start();
    }

    /** Waits at most {@link #JOB_MINUTES} for the job and returns its exit code. */
    static int finish(Process job, Path log) throws IOException, InterruptedException {
        assertTrue(job.waitFor(JOB_MINUTES, TimeUnit.MINUTES), "the job did not finish within " + JOB_MINUTES
                + " minutes:\n" + tail(log));
        return job.exitValue();
    }

    /** The last 6,000 characters of a log, for a failure message. */
    static String tail(Path log) throws IOException {
        String s = Files.exists(log) ? Files.readString(log) : "";
        return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
    }

    /** Kills a job and everything it started. */
    static void kill(Process job) {
        job.descendants().forEach(ProcessHandle::destroyForcibly);
        job.destroyForcibly();
    }
}
