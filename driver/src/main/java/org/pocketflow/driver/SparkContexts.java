package org.pocketflow.driver;

import java.util.Map;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.JvmFlags;
import org.pocketflow.conf.RuntimeKeys;
import org.pocketflow.worker.io.HadoopConf;

/**
 * Creates the job's Spark context: master from {@code pocketflow.spark.master}, Kryo with
 * registration required, the project's JVM flags on executors, and every {@code spark.*} key of
 * the job passed through verbatim (so a job file can set executor memory, say).
 */
public final class SparkContexts {
    private SparkContexts() {
    }

    /**
     * Executors' OpenMP wait policy: threads sleep while they wait for work instead of spinning.
     * Spinning threads on a host shared with other executors or processes made training up to 38x
     * slower (docs/SPEED.md); the launcher sets the same for local masters.
     */
    static final String OMP_WAIT_POLICY = "PASSIVE";

    /**
     * How many OpenMP threads an executor's native kernels should use: its
     * {@code spark.executor.cores}, or 1 where YARN and Kubernetes default to one-core executors.
     * Empty where the executor owns its host's cores (local masters, whose launcher sets the
     * variable, and standalone executors without a core count), so ND4J's own default holds.
     * Without it ND4J starts one thread per host CPU in every executor, and executors sharing a
     * host fight over the cores.
     */
    static java.util.Optional<String> executorThreads(String master, SparkConf conf) {
        if (master.startsWith("local")) {
            return java.util.Optional.empty();
        }
        if (conf.contains("spark.executor.cores")) {
            return java.util.Optional.of(conf.get("spark.executor.cores").trim());
        }
        boolean oneCoreDefault = master.startsWith("yarn") || master.startsWith("k8s://");
        return oneCoreDefault ? java.util.Optional.of("1") : java.util.Optional.empty();
    }

    /** Sets the executors' OpenMP variables that the user did not set: thread count and wait policy. */
    static void executorEnvironment(String master, SparkConf conf) {
        executorThreads(master, conf).ifPresent(n -> conf.setIfMissing("spark.executorEnv.OMP_NUM_THREADS", n));
        conf.setIfMissing("spark.executorEnv.OMP_WAIT_POLICY", OMP_WAIT_POLICY);
    }

    /**
     * What every task does first on its executor: installs the job's {@code spark.hadoop.*} settings
     * (which Spark ships in every executor's configuration) for this JVM's file I/O, and binds the
     * task's thread to the GPU Spark gave it, if any ({@link TaskGpu}).
     */
    public static void prepareExecutorTask() {
        installHadoopConfOnExecutor();
        TaskGpu.bind();
    }

    /** The job's {@code spark.hadoop.*} settings from the executor's Spark configuration, for this JVM's file I/O. */
    private static void installHadoopConfOnExecutor() {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        if (env != null) {
            Map<String, String> all = new java.util.HashMap<>();
            for (scala.Tuple2<String, String> kv : env.conf().getAll()) {
                all.put(kv._1(), kv._2());
            }
            HadoopConf.install(all);
        }
    }

    /** The context for {@code config}, named {@code appName}; the caller closes it. */
    public static JavaSparkContext create(JobConfig config, String appName) {
        String master = config.get(RuntimeKeys.SPARK_MASTER);
        SparkConf conf = new SparkConf()
                .setAppName(appName)
                .setMaster(master)
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrationRequired", "true")
                .set("spark.kryo.registrator", PocketFlowKryoRegistrator.class.getName())
                .set("spark.executor.extraJavaOptions", JvmFlags.joined())
                .set("spark.driver.extraJavaOptions", JvmFlags.joined());
        if (master.startsWith("local")) {
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        for (Map.Entry<String, String> e : config.sparkConf().entrySet()) {
            conf.set(e.getKey(), e.getValue());
        }
        executorEnvironment(master, conf);
        HadoopConf.install(config.sparkConf()); // the driver's own file I/O; executors install theirs per task
        return new JavaSparkContext(conf);
    }
}
