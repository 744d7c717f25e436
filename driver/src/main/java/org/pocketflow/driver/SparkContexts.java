package org.pocketflow.driver;

import java.util.Map;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.pocketflow.conf.JobConfig;
import org.pocketflow.conf.JvmFlags;
import org.pocketflow.conf.RuntimeKeys;

/**
 * Creates the job's Spark context: master from {@code pocketflow.spark.master}, Kryo with
 * registration required, the project's JVM flags on executors, and every {@code spark.*} key of
 * the job passed through verbatim (so a job file can set executor memory, say).
 */
public final class SparkContexts {
    private SparkContexts() {
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
        return new JavaSparkContext(conf);
    }
}
