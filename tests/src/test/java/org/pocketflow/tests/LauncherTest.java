package org.pocketflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real launcher script, {@code submit/bin/pocketflow}, as a user would. */
class LauncherTest {
    private static Path root;
    /** The default data folder is local: declare it shared so that cluster masters accept it. */
    private static final String SHARED = "pocketflow.run.shared-filesystem=true";

    @BeforeAll
    static void findRoot() {
        root = Path.of(System.getProperty("pf.repo.root", "..")).toAbsolutePath().normalize();
        assumeTrue(Files.exists(root.resolve("submit/target/classpath.txt")),
                "launcher classpath not built (the submit module packages it before this module's tests)");
    }

    private record Result(int code, String output) {
    }

    /** A SPARK_HOME whose bin/spark-submit writes its arguments, one per line, to {@code argsFile}. */
    private record StubSpark(Path home, Path argsFile, Path jar) {
        static StubSpark in(Path tmp) throws IOException {
            Path home = tmp.resolve("spark");
            Files.createDirectories(home.resolve("bin"));
            // a downloaded Spark carries its cluster managers' modules in jars/
            Path jars = Files.createDirectories(home.resolve("jars"));
            Files.writeString(jars.resolve("spark-yarn_2.12-3.5.6.jar"), "");
            Files.writeString(jars.resolve("spark-kubernetes_2.12-3.5.6.jar"), "");
            Path args = tmp.resolve("args.txt");
            Path submit = home.resolve("bin/spark-submit");
            Files.writeString(submit, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" > " + args + "\n");
            Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
            return new StubSpark(home, args, Files.writeString(tmp.resolve("app.jar"), "not really a jar"));
        }

        Map<String, String> env() {
            return Map.of("SPARK_HOME", home.toString(), "PF_APP_JAR", jar.toString());
        }
    }

    private static Result launch(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("submit/bin/pocketflow").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PF_NO_BUILD", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "launcher hung");
        return new Result(p.exitValue(), out);
    }

    @Test
    void badKeyExitsWith2AndNamesTheFix() throws Exception {
        Result r = launch(Map.of(), "run", "--conf", "pocketflow.train.epoch=3");
        assertEquals(2, r.code(), r.output());
        assertTrue(r.output().contains("Did you mean pocketflow.train.epochs?"), r.output());
    }

    @Test
    void unknownCommandPrintsUsageAndExits2() throws Exception {
        Result r = launch(Map.of(), "frobnicate");
        assertEquals(2, r.code());
        assertTrue(r.output().contains("pocketflow run"), r.output());
    }

    @Test
    void clusterMasterGoesThroughSparkSubmitWithTheJvmFlags(@TempDir Path tmp) throws Exception {
        StubSpark spark = StubSpark.in(tmp);
        Path argsFile = spark.argsFile();
        Path jar = spark.jar();
        Result r = launch(spark.env(),
                "run", "--conf", "pocketflow.spark.master=spark://10.0.0.1:7077", "--conf", "pocketflow.seed=5",
                "--conf", SHARED);
        assertEquals(0, r.code(), r.output());
        List<String> a = Files.readAllLines(argsFile);
        assertEquals("spark://10.0.0.1:7077", a.get(a.indexOf("--master") + 1));
        assertEquals("org.pocketflow.driver.PocketFlowMain", a.get(a.indexOf("--class") + 1));
        int j = a.indexOf(jar.toString());
        assertEquals(List.of("run", "--conf", "pocketflow.spark.master=spark://10.0.0.1:7077", "--conf",
                "pocketflow.seed=5", "--conf", SHARED), a.subList(j + 1, a.size()));
        assertTrue(a.stream().anyMatch(x -> x.startsWith("spark.executor.extraJavaOptions=")
                && x.contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED")), a.toString());
    }

    @Test
    void distributedTrainingGoesToItsOwnMainThroughSparkSubmit(@TempDir Path tmp) throws Exception {
        StubSpark spark = StubSpark.in(tmp);
        Path argsFile = spark.argsFile();
        Path jar = spark.jar();
        Map<String, String> env = new java.util.HashMap<>(spark.env());
        env.put("HADOOP_CONF_DIR", tmp.toString());
        Result r = launch(env,
                "train-distributed", "--conf", "pocketflow.spark.master=yarn", "--conf", "pocketflow.distributed.workers=4",
                "--conf", SHARED);
        assertEquals(0, r.code(), r.output());
        List<String> a = Files.readAllLines(argsFile);
        assertEquals("yarn", a.get(a.indexOf("--master") + 1));
        assertEquals("org.pocketflow.driver.distributed.DistributedMain", a.get(a.indexOf("--class") + 1));
        int j = a.indexOf(jar.toString());
        assertEquals(List.of("train", "--conf", "pocketflow.spark.master=yarn", "--conf",
                "pocketflow.distributed.workers=4", "--conf", SHARED), a.subList(j + 1, a.size()));
    }

    @Test
    void aLocalRunRootWithAClusterMasterIsRefusedBeforeSparkSubmit(@TempDir Path tmp) throws Exception {
        StubSpark spark = StubSpark.in(tmp);
        Result r = launch(spark.env(), "run", "--conf", "pocketflow.spark.master=spark://10.0.0.1:7077",
                "--conf", "pocketflow.data.uri=hdfs://nn:8020/pf/data");
        assertEquals(2, r.code(), r.output());
        assertTrue(r.output().contains("pocketflow.run.root") && r.output().contains("shared-filesystem"),
                r.output());
        assertTrue(Files.notExists(spark.argsFile()), "spark-submit must not run");
    }

    @Test
    void clusterMasterWithoutSparkHomeSaysWhatToSet() throws Exception {
        Result r = launch(Map.of("SPARK_HOME", ""), "run", "--conf", "pocketflow.spark.master=yarn", "--conf", SHARED);
        assertEquals(2, r.code(), r.output());
        assertTrue(r.output().contains("SPARK_HOME"), r.output());
    }

    @Test
    void yarnWithoutHadoopConfigurationIsRefusedWithTheVariableToSet(@TempDir Path tmp) throws Exception {
        StubSpark spark = StubSpark.in(tmp);
        Map<String, String> env = new java.util.HashMap<>(spark.env());
        env.put("HADOOP_CONF_DIR", "");
        env.put("YARN_CONF_DIR", "");
        Result r = launch(env, "run", "--conf", "pocketflow.spark.master=yarn", "--conf", SHARED);
        assertEquals(2, r.code(), r.output());
        assertTrue(r.output().contains("HADOOP_CONF_DIR"), r.output());
        assertTrue(Files.notExists(spark.argsFile()), "spark-submit must not run");
    }

    @Test
    void kubernetesMasterGoesThroughSparkSubmitInClientModeWithTheImageSettings(@TempDir Path tmp) throws Exception {
        StubSpark spark = StubSpark.in(tmp);
        Result r = launch(spark.env(), "run", "--conf", "pocketflow.spark.master=k8s://https://10.0.0.1:6443",
                "--conf", SHARED, "--conf", "spark.kubernetes.container.image=registry/pocketflow:0.1",
                "--conf", "spark.kubernetes.authenticate.driver.serviceAccountName=pocketflow");
        assertEquals(0, r.code(), r.output());
        List<String> a = Files.readAllLines(spark.argsFile());
        assertEquals("k8s://https://10.0.0.1:6443", a.get(a.indexOf("--master") + 1));
        assertEquals("client", a.get(a.indexOf("--deploy-mode") + 1), "the driver (sampler, trial store, server) stays here");
        int j = a.indexOf(spark.jar().toString());
        assertTrue(a.subList(j + 1, a.size()).contains("spark.kubernetes.container.image=registry/pocketflow:0.1"), a.toString());
        assertTrue(a.stream().anyMatch(x -> x.startsWith("spark.executor.extraJavaOptions=")
                && x.contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED")), a.toString());
    }

    @Test
    void aSparkWithoutTheClusterManagersModuleIsRefusedBeforeSparkSubmit(@TempDir Path tmp) throws Exception {
        StubSpark spark = StubSpark.in(tmp);
        Map<String, String> env = new java.util.HashMap<>(spark.env());
        env.put("HADOOP_CONF_DIR", tmp.toString());
        Files.delete(spark.home().resolve("jars/spark-yarn_2.12-3.5.6.jar"));
        Result yarn = launch(env, "run", "--conf", "pocketflow.spark.master=yarn", "--conf", SHARED);
        assertEquals(2, yarn.code(), yarn.output());
        assertTrue(yarn.output().contains("spark-yarn_2.12") && yarn.output().contains("SPARK_HOME"), yarn.output());

        Files.delete(spark.home().resolve("jars/spark-kubernetes_2.12-3.5.6.jar"));
        Result k8s = launch(env, "run", "--conf", "pocketflow.spark.master=k8s://https://10.0.0.1:6443", "--conf", SHARED);
        assertEquals(2, k8s.code(), k8s.output());
        assertTrue(k8s.output().contains("spark-kubernetes_2.12"), k8s.output());
        assertTrue(Files.notExists(spark.argsFile()), "spark-submit must not run");
    }

    @Test
    void anApplicationJarOlderThanTheSourcesIsRebuiltAndTheLauncherSaysSo(@TempDir Path tmp) throws Exception {
        StubSpark spark = StubSpark.in(tmp);
        Path mvnArgs = tmp.resolve("mvn-args.txt");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" >> " + mvnArgs + "\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = root.resolve("submit/target/pocketflow-app.jar");
        boolean existed = Files.exists(jar);
        java.nio.file.attribute.FileTime before = existed ? Files.getLastModifiedTime(jar) : null;
        if (!existed) {
            Files.write(jar, new byte[0]);
        }
        try {
            Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(0));
            Map<String, String> env = new java.util.HashMap<>();
            env.put("SPARK_HOME", spark.home().toString());
            env.put("PATH", bin + ":" + System.getenv("PATH"));
            // PF_NO_BUILD stays set for the classpath build, so only the jar's staleness decides
            env.put("PF_NO_BUILD", "");
            Result r = launch(env, "run", "--conf", "pocketflow.spark.master=spark://10.0.0.1:7077", "--conf", SHARED);
            assertEquals(0, r.code(), r.output());
            assertTrue(r.output().contains("rebuilding the application jar"), r.output());
            String built = Files.readString(mvnArgs);
            assertTrue(built.contains("-Pdist") && built.contains("package"), built);
            List<String> a = Files.readAllLines(spark.argsFile());
            assertTrue(a.contains(jar.toString()), a.toString());
        } finally {
            if (existed) {
                Files.setLastModifiedTime(jar, before);
            } else {
                Files.deleteIfExists(jar);
            }
        }
    }
}
