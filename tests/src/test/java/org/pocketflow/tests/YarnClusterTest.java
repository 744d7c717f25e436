package org.pocketflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pocketflow.tests.ClusterJobs.finish;
import static org.pocketflow.tests.ClusterJobs.tail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.model.ModelFiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * PocketFlow on YARN with everything on HDFS, with no Hadoop or Spark installation: a
 * {@link MiniYARNCluster} (one ResourceManager, one NodeManager that starts containers as real
 * processes) and a {@link MiniDFSCluster} in this JVM, their configuration written to a
 * {@code HADOOP_CONF_DIR} as a cluster's client configuration is, and the job submitted as a user
 * does: {@code submit/bin/pocketflow run --conf pocketflow.spark.master=yarn} through
 * {@code spark-submit} of a {@link SparkDistribution} that carries Spark's YARN module. The data,
 * the given model and the run root are {@code hdfs://} paths; the driver runs here (client mode),
 * the application master and the executors in YARN containers.
 */
class YarnClusterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path appJar;
    private static Path logs;
    private static Path hadoopConf;
    private static SparkDistribution spark;
    private static MiniDFSCluster hdfs;
    private static MiniYARNCluster yarn;
    private static FileSystem fs;
    private final List<Process> jobs = new ArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        appJar = ClusterJobs.requireAppJarAndData();
        logs = Files.createDirectories(Path.of("target/yarn-cluster").toAbsolutePath());
        spark = SparkDistribution.assemble(logs.resolve("spark"));

        Configuration conf = new YarnConfiguration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, logs.resolve("hdfs").toString());
        conf.setInt("dfs.replication", 1); // one datanode
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        conf.set("fs.defaultFS", hdfs.getURI().toString());
        // one queue that takes the whole cluster, and room for an application master and two executors
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
        conf.setInt("yarn.nodemanager.resource.memory-mb", 6144);
        conf.setInt("yarn.nodemanager.resource.cpu-vcores", 4);
        conf.setInt("yarn.scheduler.minimum-allocation-mb", 256);
        conf.setInt("yarn.scheduler.maximum-allocation-mb", 6144);
        conf.setBoolean("yarn.nodemanager.pmem-check-enabled", false);
        conf.setBoolean("yarn.nodemanager.vmem-check-enabled", false);
        yarn = new MiniYARNCluster("pocketflow", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        assertTrue(yarn.waitForNodeManagersToConnect(60_000), "the NodeManager did not register");

        hadoopConf = Files.createDirectories(logs.resolve("hadoop-conf"));
        writeSite("core-site.xml", Map.of("fs.defaultFS", hdfs.getURI().toString()));
        writeSite("hdfs-site.xml", Map.of("dfs.replication", "1"));
        Map<String, String> client = new HashMap<>(); // where the ResourceManager listens, chosen at its start
        yarn.getConfig().forEach(e -> {
            if (e.getKey().startsWith("yarn.resourcemanager.") || e.getKey().startsWith("yarn.scheduler.")) {
                client.put(e.getKey(), yarn.getConfig().get(e.getKey()));
            }
        });
        writeSite("yarn-site.xml", client);
        fs = hdfs.getFileSystem();
        try (Stream<Path> files = Files.list(ClusterJobs.DATA)) {
            for (Path f : files.toList()) {
                fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(f.toUri()),
                        new org.apache.hadoop.fs.Path("/data/fashion-mnist/" + f.getFileName()));
            }
        }
        ModelFiles.save(Architecture.of("lenet").factory().create(new ImageShape(1, 28, 28), 10, 7),
                hdfs.getURI() + "/models/lenet.zip");
    }

    /** A client's {@code *-site.xml} in {@link #hadoopConf}, as a cluster's administrators hand it out. */
    private static void writeSite(String name, Map<String, String> properties) throws IOException {
        Configuration site = new Configuration(false);
        properties.forEach(site::set);
        try (OutputStream out = Files.newOutputStream(hadoopConf.resolve(name))) {
            site.writeXml(out);
        }
    }

    @AfterAll
    static void stopCluster() {
        if (yarn != null) {
            yarn.stop();
        }
        if (hdfs != null) {
            hdfs.shutdown(true);
        }
    }

    @AfterEach
    void killJobs() {
        jobs.forEach(ClusterJobs::kill);
    }

    @Test
    void studyRunsInYarnContainersWithDataModelAndRunRootOnHdfs() throws Exception {
        String root = hdfs.getURI().toString();
        String runDir = root + "/runs/study";
        Path log = logs.resolve("study.log");
        Map<String, String> env = new HashMap<>(spark.env());
        env.put("HADOOP_CONF_DIR", hadoopConf.toString());
        String javaHome = System.getProperty("java.home");
        Process job = ClusterJobs.launch(log, appJar, env, "run", List.of("pocketflow.spark.master=yarn",
                "pocketflow.data.uri=" + root + "/data/fashion-mnist", "pocketflow.model.path=" + root + "/models/lenet.zip",
                "pocketflow.run.dir=" + runDir, "pocketflow.data.train-limit=1500", "pocketflow.data.test-limit=300",
                "pocketflow.eval.latency-warmup=1", "pocketflow.eval.latency-iterations=2",
                "pocketflow.learn.algorithm=channel-pruning", "pocketflow.learn.mac-fraction=0.5",
                "pocketflow.learn.fine-tune-epochs=1", "pocketflow.search.sampler=random", "pocketflow.search.trials=3",
                "pocketflow.search.parallelism=2", "pocketflow.search.max-failed-trials=1",
                // two one-core executors; Spark's jars are installed on the node (as on a cluster with Spark on every host)
                "spark.executor.instances=2", "spark.executor.cores=1", "spark.executor.memory=1g",
                "spark.yarn.am.memory=512m", "spark.yarn.jars=local:" + spark.home().resolve("jars") + "/*",
                "spark.yarn.appMasterEnv.JAVA_HOME=" + javaHome, "spark.executorEnv.JAVA_HOME=" + javaHome));
        jobs.add(job);
        assertEquals(0, finish(job, log), tail(log));

        JsonNode report = JSON.readTree(read(runDir + "/report.json"));
        assertEquals("succeeded", report.get("status").asText(), report.toString());
        assertEquals("yarn", report.at("/provenance/sparkMaster").asText(), report.toString());
        assertEquals(3, report.at("/study/counts/complete").asInt(), report.get("study").toString());
        assertFalse(read(runDir + "/trials.jsonl").contains("FAILED"), tail(log));
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path(runDir + "/model.pfpk")), "the winner is written to HDFS");

        // the application ran on this ResourceManager, and its executors in its NodeManager's containers
        YarnClient client = YarnClient.createYarnClient();
        client.init(yarn.getConfig());
        client.start();
        try {
            List<ApplicationReport> apps = client.getApplications();
            assertEquals(1, apps.size(), apps.toString());
            assertEquals(FinalApplicationStatus.SUCCEEDED, apps.get(0).getFinalApplicationStatus(), apps.toString());
        } finally {
            client.stop();
        }
        System.out.printf("yarn study: wall %.1f s, scheduling overhead per trial %s%n",
                report.get("wallSeconds").asDouble(), report.at("/study/schedulingOverheadSeconds"));
    }

    private static String read(String uri) throws IOException {
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(uri))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
