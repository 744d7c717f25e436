package org.pocketflow.tests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.pocketflow.conf.JvmFlags;

/**
 * A Spark standalone cluster of real processes on loopback: one {@code Master} and
 * {@code workers} {@code Worker} JVMs (one core each), started from a {@link SparkDistribution}
 * with the project's JVM flags, as {@code sbin/start-master.sh} and {@code start-worker.sh}
 * would. Executors are the workers' child processes. {@link #close()} kills every process it
 * started and their descendants.
 */
final class StandaloneCluster implements AutoCloseable {
    private static final String EXECUTOR_MAIN = "org.apache.spark.executor.CoarseGrainedExecutorBackend";
    private static final long START_TIMEOUT_SECONDS = 120;

    private final SparkDistribution spark;
    private final Path dir;
    private final List<Process> daemons = new ArrayList<>();
    private final List<Path> workerDirs = new ArrayList<>();
    private String masterUrl;

    private StandaloneCluster(SparkDistribution spark, Path dir) {
        this.spark = spark;
        this.dir = dir;
    }

    /** Starts a master and {@code workers} workers with {@code workerMemory} each; returns once all have registered. */
    static StandaloneCluster start(SparkDistribution spark, Path dir, int workers, String workerMemory)
            throws IOException, InterruptedException {
        StandaloneCluster c = new StandaloneCluster(spark, dir);
        // also when the test JVM is stopped before @AfterAll runs (a SIGTERM from a build timeout)
        Runtime.getRuntime().addShutdownHook(new Thread(c::close, "standalone-cluster-stop"));
        try {
            int port = freePort();
            c.masterUrl = "spark://127.0.0.1:" + port;
            Path masterLog = dir.resolve("master.log");
            c.daemon(masterLog, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                    Integer.toString(port), "--webui-port", Integer.toString(freePort()));
            c.awaitLog(masterLog, "I have been elected leader", "the master");
            for (int w = 0; w < workers; w++) {
                Path work = dir.resolve("worker-" + w);
                deleteTree(work); // executor logs of earlier runs would be taken for this run's
                Files.createDirectories(work);
                c.workerDirs.add(work);
                Path log = dir.resolve("worker-" + w + ".log");
                c.daemon(log, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
                        "--memory", workerMemory, "--webui-port", Integer.toString(freePort()), "--work-dir",
                        work.toString(), c.masterUrl);
                c.awaitLog(log, "Successfully registered with master", "worker " + w);
            }
            return c;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    String masterUrl() {
        return masterUrl;
    }

    /** The executor JVMs running now (children of the workers). */
    List<ProcessHandle> executors() {
        return daemons.stream().flatMap(Process::descendants).filter(p -> p.isAlive()
                && p.info().commandLine().orElse("").contains(EXECUTOR_MAIN)).toList();
    }

    /**
     * The stderr files of every executor the workers have run, where executors log their tasks:
     * {@code worker-N/<app id>/<executor id>/stderr}.
     */
    List<Path> executorLogs() throws IOException {
        List<Path> logs = new ArrayList<>();
        for (Path work : workerDirs) {
            try (Stream<Path> s = Files.walk(work, 3)) {
                s.filter(p -> p.getFileName().toString().equals("stderr")).forEach(logs::add);
            }
        }
        return logs;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private void daemon(Path log, String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(JvmFlags.list());
        cmd.addAll(List.of("-Xmx256m", "-cp", spark.classPath(), main));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(spark.env());
        daemons.add(pb.start());
    }

    private void awaitLog(Path log, String line, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (!(Files.exists(log) && Files.readString(log).contains(line))) {
            Process last = daemons.get(daemons.size() - 1);
            if (!last.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " did not start within " + START_TIMEOUT_SECONDS + " s (alive: "
                        + last.isAlive() + "):\n" + (Files.exists(log) ? Files.readString(log) : "no log"));
            }
            Thread.sleep(200);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Kills every daemon and executor (SIGKILL) and waits, bounded, for them to be gone; idempotent. */
    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>();
        for (Process d : daemons) {
            d.descendants().forEach(all::add);
            all.add(d.toHandle());
        }
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported by the next assertion that needs the port or the memory; nothing more to do here
            }
        }
    }
}
