package org.pocketflow.worker.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Library and runtime versions recorded in every artifact's provenance, gathered, never typed
 * in: the project's version and git commit from {@code build.properties} (written at build
 * time by the worker module's build), library versions from the jars' own
 * {@code META-INF/maven/.../pom.properties} (or their manifests).
 */
public final class Versions {
    /** What a version reads when the build or the jar did not record one. */
    public static final String UNKNOWN = "unknown";
    private static final Properties BUILD = load("build.properties");

    private Versions() {
    }

    /** Java, OS, library and project versions of this JVM. */
    public static Map<String, String> runtime() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("java.version", System.getProperty("java.version"));
        out.put("java.vendor", System.getProperty("java.vendor"));
        out.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch") + " "
                + System.getProperty("os.version"));
        out.put("cpus", String.valueOf(Runtime.getRuntime().availableProcessors()));
        out.put("dl4j.version", dl4j());
        out.put("nd4j.version", library("org.nd4j", "nd4j-api", Nd4j.class));
        out.put("hadoop.version", org.apache.hadoop.util.VersionInfo.getVersion());
        out.put("pocketflow.version", BUILD.getProperty("version", UNKNOWN));
        out.put("pocketflow.commit", commit());
        return out;
    }

    /** The DL4J version on the class path, read from its jar. */
    public static String dl4j() {
        return library("org.deeplearning4j", "deeplearning4j-nn", ComputationGraph.class);
    }

    /** The git commit the project was built from, with {@code -dirty} when uncommitted changes were built. */
    public static String commit() {
        String commit = BUILD.getProperty("commit", UNKNOWN);
        return "true".equals(BUILD.getProperty("dirty")) ? commit + "-dirty" : commit;
    }

    /** The version in a jar's {@code pom.properties}, else its manifest's implementation version. */
    static String library(String groupId, String artifactId, Class<?> member) {
        String resource = "/META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
        try (InputStream in = member.getResourceAsStream(resource)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", UNKNOWN);
            }
        } catch (IOException e) {
            // fall through to the manifest
        }
        String v = member.getPackage().getImplementationVersion();
        return v == null ? UNKNOWN : v;
    }

    private static Properties load(String name) {
        Properties p = new Properties();
        try (InputStream in = Versions.class.getResourceAsStream(name)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // an unreadable build.properties leaves every build fact unknown
        }
        return p;
    }
}
