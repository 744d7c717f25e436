package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** What the driver concludes about the cluster from the master URL and the Spark settings. */
class ClusterFitTest {

    @Test
    void localMastersFixTheirSlotsByTheirUrl() {
        assertEquals(1, TaskSlots.ofMaster("local", 1, 8).slots());
        assertEquals(3, TaskSlots.ofMaster("local[3]", 1, 8).slots());
        assertEquals(8, TaskSlots.ofMaster("local[*]", 1, 8).slots());
        assertEquals(4, TaskSlots.ofMaster("local[4,2]", 1, 8).slots(), "local[N,maxFailures]");
        assertEquals(2, TaskSlots.ofMaster("local[4]", 2, 8).slots(), "spark.task.cpus=2 halves the slots");
        TaskSlots.Count cluster = TaskSlots.ofMaster("local-cluster[2,1,1024]", 1, 8);
        assertEquals(2, cluster.slots());
        assertTrue(cluster.how().contains("2 executors x 1 cores"), cluster.how());
        assertEquals(6, TaskSlots.ofMaster("local-cluster[3, 2, 512]", 1, 8).slots());
    }

    @Test
    void clusterMastersAreNotJudgedByTheirUrl() {
        assertNull(TaskSlots.ofMaster("yarn", 1, 8));
        assertNull(TaskSlots.ofMaster("spark://host:7077", 1, 8));
        assertNull(TaskSlots.ofMaster("k8s://https://api:6443", 1, 8));
    }

    @Test
    void executorThreadsFollowTheExecutorCores() {
        assertEquals(Optional.of("3"), SparkContexts.executorThreads("spark://h:7077",
                new SparkConf(false).set("spark.executor.cores", "3")));
        assertEquals(Optional.of("1"), SparkContexts.executorThreads("yarn", new SparkConf(false)),
                "YARN's executors have one core unless told otherwise");
        assertEquals(Optional.of("1"), SparkContexts.executorThreads("k8s://https://api:6443", new SparkConf(false)));
        assertEquals(Optional.empty(), SparkContexts.executorThreads("spark://h:7077", new SparkConf(false)),
                "a standalone executor without a core count owns its worker's cores");
        assertEquals(Optional.empty(), SparkContexts.executorThreads("local[2]",
                new SparkConf(false).set("spark.executor.cores", "3")));
    }

    @Test
    void executorsGetPassiveOpenMpWaitAndTheirCoreCountUnlessTheUserSetThem() {
        SparkConf yarn = new SparkConf(false);
        SparkContexts.executorEnvironment("yarn", yarn);
        assertEquals("PASSIVE", yarn.get("spark.executorEnv.OMP_WAIT_POLICY"));
        assertEquals("1", yarn.get("spark.executorEnv.OMP_NUM_THREADS"));
        SparkConf own = new SparkConf(false).set("spark.executorEnv.OMP_WAIT_POLICY", "ACTIVE")
                .set("spark.executorEnv.OMP_NUM_THREADS", "4").set("spark.executor.cores", "2");
        SparkContexts.executorEnvironment("spark://h:7077", own);
        assertEquals("ACTIVE", own.get("spark.executorEnv.OMP_WAIT_POLICY"));
        assertEquals("4", own.get("spark.executorEnv.OMP_NUM_THREADS"));
        SparkConf local = new SparkConf(false);
        SparkContexts.executorEnvironment("local[2]", local);
        assertEquals("PASSIVE", local.get("spark.executorEnv.OMP_WAIT_POLICY"));
        assertFalse(local.contains("spark.executorEnv.OMP_NUM_THREADS"));
    }
}
