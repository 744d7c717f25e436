package org.pocketflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.driver.SparkContexts;
import org.pocketflow.driver.distributed.DistributedResult;
import org.pocketflow.driver.distributed.DistributedTrainer;
import org.pocketflow.qsgd.ps.wire.RejectReason;
import org.pocketflow.worker.distributed.LoopbackPorts;
import org.pocketflow.worker.distributed.NopWorkerHook;
import org.pocketflow.worker.distributed.WorkerReport;

/**
 * Distributed training across JVMs: Spark's {@code local-cluster[2,1,1024]} master starts a
 * standalone master, two workers and two executor JVMs from the Maven class path ({@link
 * LocalClusters}: SPARK_HOME with an empty jars/ and RELEASE, SPARK_SCALA_VERSION, absolute
 * {@code spark.executor.extraClassPath}, the add-opens flags, SPARK_LOCAL_IP=127.0.0.1). The
 * parameter server runs in this JVM, the two workers on the executors, all messages HMAC-signed
 * with a key derived from {@code spark.authenticate.secret}.
 */
class DistributedLocalClusterTest {
    private static JavaSparkContext sc;
    private static final String SECRET = UUID.randomUUID().toString();

    @BeforeAll
    static void startCluster() throws IOException {
        assumeTrue(Files.isDirectory(Path.of("/usr/share/datasets/fashion-mnist")), "Fashion-MNIST not installed");
        assumeTrue(LocalClusters.sparkHomeConfigured(),
                "SPARK_HOME and SPARK_SCALA_VERSION are set by tests/pom.xml's surefire configuration");
        LocalClusters.prepareSparkHome();
        sc = SparkContexts.create(config(List.of()), "distributed-local-cluster-test");
    }

    @AfterAll
    static void stopCluster() {
        if (sc != null) {
            sc.close();
        }
    }

    private static JobConfig config(List<String> extra) {
        List<String> o = new java.util.ArrayList<>(List.of("pocketflow.spark.master=local-cluster[2,1,1024]",
                "spark.executor.extraClassPath=" + LocalClusters.executorClassPath(), "spark.authenticate=true",
                AliasFileSystem.SPARK_SETTING, AliasFileSystem.SPARK_CONTEXT_SETTING,
                "spark.authenticate.secret=" + SECRET, "spark.task.maxFailures=2",
                "pocketflow.data.train-limit=1200", "pocketflow.data.test-limit=1000", "pocketflow.data.validation-fraction=0",
                "pocketflow.train.epochs=1", "pocketflow.train.batch-size=16", "pocketflow.train.learning-rate=0.02",
                "pocketflow.distributed.workers=2", "pocketflow.distributed.codec=ecq",
                "pocketflow.distributed.timeout-ms=8000", "pocketflow.distributed.join-timeout-ms=120000",
                "pocketflow.distributed.port-base=" + LoopbackPorts.freeBase(2)));
        o.addAll(extra);
        return JobConfig.load(Optional.empty(), o);
    }

    @Test
    void moreWorkersThanTheClusterHasSlotsAreRefusedBeforeTraining(@TempDir Path runDir) {
        DistributedTrainer trainer = new DistributedTrainer(config(List.of("pocketflow.distributed.workers=3")),
                line -> { }, NopWorkerHook.INSTANCE);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> trainer.train(sc, runDir.toUri().toString()));
        assertTrue(e.getMessage().contains("pocketflow.distributed.workers = 3")
                && e.getMessage().contains("2 executors x 1 cores"), e.getMessage());
    }

    @Test
    void twoExecutorJvmsTrainLeNetThroughTheServerInTheDriver(@TempDir Path run) {
        // data and run directory under a scheme only the job's spark.hadoop.* settings define: the
        // executors' data readers and the driver's model writer must both see those settings
        String data = AliasFileSystem.uri(Path.of("/usr/share/datasets/fashion-mnist"));
        DistributedResult r = new DistributedTrainer(config(List.of("pocketflow.data.uri=" + data)), System.out::println,
                NopWorkerHook.INSTANCE).train(sc, AliasFileSystem.uri(run));
        assertTrue(Files.exists(run.resolve("model.zip")), "model.zip written through the pfalias scheme");

        assertTrue(r.authenticated());
        assertEquals(r.totalSteps(), r.stats().step());
        assertEquals(0, r.stats().rejectedTotal(), r.stats().toString());
        assertEquals(2, r.workers().size(), r.workers().toString());
        r.workers().forEach(w -> assertEquals(WorkerReport.Outcome.FINISHED, w.outcome(), w.toString()));
        assertTrue(r.testAccuracy() > 0.6, "test accuracy " + r.testAccuracy());
    }

    @Test
    void trainingCompletesWhenAnExecutorDiesMidTraining(@TempDir Path run) {
        DistributedResult r = new DistributedTrainer(config(List.of()), System.out::println, new HaltExecutor(1, 8))
                .train(sc, run.toUri().toString());

        assertEquals(r.totalSteps(), r.stats().step());
        boolean dropped = r.stats().dropped().contains(1);
        boolean rejoined = r.workers().stream().anyMatch(w -> w.workerId() == 1 && w.attempt() > 0
                && w.outcome() == WorkerReport.Outcome.FINISHED);
        assertTrue(dropped || rejoined, "worker 1 should have been dropped or rejoined on a retry: " + r);
        assertEquals(0, r.stats().rejected(RejectReason.UNAUTHENTICATED));
        assertTrue(r.testAccuracy() > 0.5, "test accuracy " + r.testAccuracy());
    }
}
