package org.pocketflow.worker.io;

import java.util.Map;
import java.util.TreeMap;

import org.apache.hadoop.conf.Configuration;

/**
 * The one Hadoop configuration of this JVM's file I/O: Hadoop's defaults and the files under
 * {@code HADOOP_CONF_DIR}, overlaid with the job's {@code spark.hadoop.*} settings (prefix
 * removed), the way Spark builds its own. The driver installs the job's settings before it
 * touches any file; every executor task installs them from its Spark configuration before it
 * runs, so the run directory, the trial store, data readers and model files all see, say,
 * {@code --conf spark.hadoop.dfs.replication=1} or S3A credentials.
 */
public final class HadoopConf {
    /** The prefix that marks a Spark setting as a Hadoop one. */
    public static final String SPARK_PREFIX = "spark.hadoop.";

    private static volatile Map<String, String> settings = Map.of();

    private HadoopConf() {
    }

    /**
     * Installs the Hadoop settings among {@code sparkSettings} (keys with the {@code spark.hadoop.}
     * prefix; other keys are ignored) for every later {@link #get()} in this JVM.
     */
    public static void install(Map<String, String> sparkSettings) {
        Map<String, String> hadoop = new TreeMap<>();
        sparkSettings.forEach((k, v) -> {
            if (k.startsWith(SPARK_PREFIX) && k.length() > SPARK_PREFIX.length()) {
                hadoop.put(k.substring(SPARK_PREFIX.length()), v);
            }
        });
        settings = Map.copyOf(hadoop);
    }

    /** The installed settings, without the prefix. */
    public static Map<String, String> installed() {
        return settings;
    }

    /** A fresh configuration: defaults and site files, then the installed settings. */
    public static Configuration get() {
        Configuration conf = new Configuration();
        settings.forEach(conf::set);
        return conf;
    }
}
