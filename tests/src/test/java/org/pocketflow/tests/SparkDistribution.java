package org.pocketflow.tests;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Spark installation assembled from the Maven class path of this module, laid out as a
 * downloaded distribution: {@code jars/} (links to Spark, Scala, Hadoop and their dependencies),
 * an empty {@code RELEASE} and {@code bin/spark-submit}, which asks Spark's launcher library for
 * the driver's java command as Spark's own script does. The application's libraries (PocketFlow,
 * DL4J, ND4J and their natives) are left out: they must come from the shaded application jar, as
 * on a real cluster.
 */
record SparkDistribution(Path home) {

    /** Path fragments of class path entries that belong to the application or the tests, not to Spark. */
    private static final List<String> NOT_SPARK = List.of("/org/pocketflow/", "/org/nd4j/", "/org/deeplearning4j/",
            "/org/datavec/", "/org/bytedeco/", "/io/aeron/", "/org/agrona/", "/com/typesafe/", "/kryo5/",
            "/commons-math3/", "/org/junit/", "/org/opentest4j/", "/org/apiguardian/", "/hadoop-client-minicluster/",
            "/com/microsoft/onnxruntime/", "/org/knowm/");

    private static final String SPARK_SUBMIT = """
            #!/usr/bin/env bash
            # spark-submit of this assembled distribution. Spark's launcher library prints the driver's
            # java command (class path, spark.driver.extraJavaOptions, memory): first any messages, one
            # per line, then a NUL and a newline, then the command's words, each ended by a NUL.
            set -euo pipefail
            cmd=()
            delim=$'\\n'
            while IFS= read -r -d "$delim" word; do
              if [[ -z $delim ]]; then cmd+=("$word")
              elif [[ -z $word ]]; then delim=''
              else echo "$word" >&2
              fi
            done < <(java -Xmx128m -cp "$SPARK_HOME/jars/*" org.apache.spark.launcher.Main org.apache.spark.deploy.SparkSubmit "$@")
            [[ ${#cmd[@]} -gt 0 ]] || { echo "spark-submit: the launcher printed no command" >&2; exit 1; }
            exec "${cmd[@]}"
            """;

    /** Lays the distribution out in {@code home} from this JVM's class path (links, not copies). */
    static SparkDistribution assemble(Path home) throws IOException {
        Path jars = home.resolve("jars");
        if (Files.isDirectory(jars)) {
            try (Stream<Path> old = Files.list(jars)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(jars);
        Files.createDirectories(home.resolve("bin"));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : cp.split(File.pathSeparator)) {
            Path jar = Path.of(entry).toAbsolutePath();
            // in a reactor build the project's own modules are jars under <module>/target, not in the Maven repository
            boolean project = jar.getFileName().toString().startsWith("pocketflow-");
            if (entry.endsWith(".jar") && !project && NOT_SPARK.stream().noneMatch(entry::contains)
                    && Files.notExists(jars.resolve(jar.getFileName()), LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
            }
        }
        Files.writeString(home.resolve("RELEASE"), "");
        Path submit = home.resolve("bin/spark-submit");
        Files.writeString(submit, SPARK_SUBMIT);
        Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new SparkDistribution(home);
    }

    /** The environment every process of the cluster runs with: this installation, Scala 2.12, loopback only. */
    Map<String, String> env() {
        return Map.of("SPARK_HOME", home.toString(), "SPARK_SCALA_VERSION", "2.12", "SPARK_LOCAL_IP", "127.0.0.1",
                "OMP_NUM_THREADS", "1");
    }

    /** The class path of a Spark daemon started from this installation. */
    String classPath() {
        return home.resolve("jars") + File.separator + "*";
    }
}
