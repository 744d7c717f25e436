package org.pocketflow.conf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * The project's Java 17 JVM flags (add-opens for Spark, Aeron's unblock timeout, DL4J helpers).
 * They live in one place, the parent pom property {@code pf.jvm.flags}; the build filters it
 * into {@code org/pocketflow/conf/jvm.properties}, which this class reads (for
 * {@code spark.executor.extraJavaOptions}) and the launcher script reads from
 * {@code conf/target/classes}.
 */
public final class JvmFlags {

    static final String RESOURCE = "jvm.properties";
    private static final String PROPERTY = "jvm.flags";
    private static final List<String> FLAGS = read();

    private JvmFlags() {
    }

    /** The flags, one per element, in pom order. */
    public static List<String> list() {
        return FLAGS;
    }

    /** The flags joined by single spaces, as one {@code extraJavaOptions} value. */
    public static String joined() {
        return String.join(" ", FLAGS);
    }

    private static List<String> read() {
        Properties properties = new Properties();
        try (InputStream in = JvmFlags.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("org/pocketflow/conf/" + RESOURCE + " is not on the classpath."
                        + " Fix: build the conf module, e.g. mvn -o -q -pl conf compile");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String flags = properties.getProperty(PROPERTY, "").trim();
        if (flags.isEmpty() || flags.contains("${")) {
            throw new IllegalStateException(PROPERTY + " = " + flags + " in " + RESOURCE + " was not filtered."
                    + " Fix: build with Maven so pf.jvm.flags from the parent pom is filled in");
        }
        return List.copyOf(Arrays.asList(flags.split("\\s+")));
    }
}
