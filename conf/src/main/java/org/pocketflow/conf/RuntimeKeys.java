package org.pocketflow.conf;

import java.util.List;

/** Keys that choose where and with which kernels the job computes. */
public final class RuntimeKeys {

    /** Spark master URL. */
    public static final ConfigKey<String> SPARK_MASTER = ConfigKey.string("pocketflow.spark.master",
            "local[*]",
            "Spark master URL, e.g. local[*], local[2], spark://host:7077 or yarn.",
            Validators.nonEmpty());

    /** Whether DL4J layers use oneDNN kernels. */
    public static final ConfigKey<Boolean> ONEDNN = ConfigKey.bool("pocketflow.runtime.onednn", true,
            "Use oneDNN kernels for DL4J layers; false = ND4J's built-in kernels (for comparison).");

    /** This area's keys in declaration order. */
    public static final KeyGroup GROUP = new KeyGroup("Runtime", List.of(SPARK_MASTER, ONEDNN));

    private RuntimeKeys() {
    }
}
