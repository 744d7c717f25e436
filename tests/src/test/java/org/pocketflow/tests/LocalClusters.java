package org.pocketflow.tests;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What Spark's {@code local-cluster[N,C,M]} master needs to start executor JVMs from the Maven
 * class path: a {@code SPARK_HOME} with an empty {@code jars/} and {@code RELEASE} (its location
 * and {@code SPARK_SCALA_VERSION} come from tests/pom.xml's surefire configuration) and this
 * JVM's class path, absolute, as {@code spark.executor.extraClassPath}.
 */
final class LocalClusters {
    private LocalClusters() {
    }

    /** Whether surefire set the variables a local-cluster master needs. */
    static boolean sparkHomeConfigured() {
        return System.getenv("SPARK_HOME") != null && System.getenv("SPARK_SCALA_VERSION") != null;
    }

    /** Lays out the empty installation a local-cluster worker checks for. */
    static void prepareSparkHome() throws IOException {
        String home = System.getenv("SPARK_HOME");
        Files.createDirectories(Path.of(home, "jars"));
        if (!Files.exists(Path.of(home, "RELEASE"))) {
            Files.createFile(Path.of(home, "RELEASE"));
        }
    }

    /** This JVM's class path with absolute entries (surefire's own, not its manifest-only booter jar). */
    static String executorClassPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(cp.split(File.pathSeparator)).filter(s -> !s.isEmpty())
                .map(s -> Path.of(s).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
    }
}
