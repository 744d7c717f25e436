package org.pocketflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.conf.JvmFlags;
import org.pocketflow.driver.TaskGpu;

/**
 * Spark's GPU scheduling as docs/CLUSTER.md sets it up, on a host whose {@code nvidia-smi} lists
 * two GPUs (faked; the project's discovery script {@code submit/gpu/discover-gpus.sh} is real):
 * a {@code local-cluster} worker and its executor JVM discover both, and two tasks that run at the
 * same time are each bound to a GPU of their own ({@link TaskGpu}). No GPU is needed: on the CPU
 * backend the binding only reads the assignment and says that training stays on the CPU.
 */
class GpuSchedulingTest {

    @Test
    void twoConcurrentTasksOfAnExecutorEachGetTheirOwnDiscoveredGpu(@TempDir Path tmp) throws Exception {
        assumeTrue(LocalClusters.sparkHomeConfigured(), "SPARK_HOME is set by tests/pom.xml's surefire configuration");
        LocalClusters.prepareSparkHome();
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        executable(bin.resolve("nvidia-smi"), "#!/bin/sh\nprintf '0\\n1\\n'\n");
        Path root = Path.of(System.getProperty("pf.repo.root", "..")).toAbsolutePath().normalize();
        Path discover = executable(tmp.resolve("discover.sh"), "#!/bin/sh\nPATH=" + bin + ":$PATH exec "
                + root.resolve("submit/gpu/discover-gpus.sh") + "\n");
        SparkConf conf = new SparkConf().setMaster("local-cluster[1,2,1024]").setAppName("gpu-scheduling-test")
                .set("spark.executor.extraClassPath", LocalClusters.executorClassPath())
                .set("spark.executor.extraJavaOptions", JvmFlags.joined())
                .set("spark.driver.host", "127.0.0.1").set("spark.ui.enabled", "false")
                .set("spark.worker.resource.gpu.amount", "2")
                .set("spark.worker.resource.gpu.discoveryScript", discover.toString())
                .set("spark.executor.cores", "2").set("spark.executor.resource.gpu.amount", "2")
                .set("spark.executor.resource.gpu.discoveryScript", discover.toString())
                .set("spark.task.resource.gpu.amount", "1");
        Path started = Files.createDirectories(tmp.resolve("started"));
        String dir = started.toString();
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            List<String> gpus = sc.parallelize(List.of(0, 1), 2).map(i -> {
                String gpu = TaskGpu.bind().orElse("none");
                // hold the GPU until the other task has started too: both must run at once
                Files.writeString(Path.of(dir, "task-" + i), gpu);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (count(Path.of(dir)) < 2 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                return gpu;
            }).collect();
            assertEquals(2, count(started), "both tasks ran at the same time, one per GPU");
            assertEquals(Set.of("0", "1"), new HashSet<>(gpus), "each task was bound to a GPU of its own: " + gpus);
        }
    }

    private static long count(Path dir) throws java.io.IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    private static Path executable(Path file, String text) throws java.io.IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
