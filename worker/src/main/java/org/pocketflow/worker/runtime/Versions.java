package org.pocketflow.worker.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/** Library and runtime versions recorded in every artifact's provenance. */
public final class Versions {
    /** The DL4J/ND4J release the whole stack is pinned to (parent pom {@code dl4j.version}). */
    public static final String DL4J = "1.0.0-M2";

    private Versions() {
    }

    /** Java, OS and library versions of this JVM. */
    public static Map<String, String> runtime() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("java.version", System.getProperty("java.version"));
        out.put("java.vendor", System.getProperty("java.vendor"));
        out.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch") + " "
                + System.getProperty("os.version"));
        out.put("cpus", String.valueOf(Runtime.getRuntime().availableProcessors()));
        out.put("dl4j.version", DL4J);
        out.put("pocketflow.version", implementationVersion());
        return out;
    }

    private static String implementationVersion() {
        String v = Versions.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
