package org.pocketflow.driver;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The {@code job.conf} of a run directory and its fingerprint, which makes {@code resume}
 * continue only the job that started there. {@code job.conf} holds every resolved key; its
 * second line is {@code # fingerprint sha256:<hex>}, the SHA-256 of the key lines below it, so an
 * edited or replaced file is told apart. A resumption may override only keys of how the job
 * runs ({@code spark.*}, {@code pocketflow.spark.*}, {@code pocketflow.runtime.*},
 * {@code pocketflow.run.*}); a change to any other key would make it another job.
 */
public final class JobFingerprint {
    private static final String HEADER = "# resolved configuration of this run (all keys, defaults included)\n";
    private static final String MARK = "# fingerprint sha256:";

    private JobFingerprint() {
    }

    /** The text of {@code job.conf} for a configuration. */
    public static String render(Map<String, String> resolved) {
        String body = body(resolved);
        return HEADER + MARK + sha256(body) + "\n" + body;
    }

    /**
     * Problems with resuming the job whose {@code job.conf} is {@code jobConf} under
     * {@code resumed} (that file plus the resumption's overrides); empty when it is the same job.
     */
    static List<String> resumeProblems(String jobConfUri, String jobConf, Map<String, String> recorded,
            Map<String, String> resumed) {
        List<String> problems = new ArrayList<>();
        int mark = jobConf.indexOf(MARK);
        if (mark >= 0) {
            int end = jobConf.indexOf('\n', mark);
            String stored = jobConf.substring(mark + MARK.length(), end);
            if (!stored.equals(sha256(jobConf.substring(end + 1)))) {
                problems.add(jobConfUri + ": edited since the job started (its fingerprint no longer matches). Fix: "
                        + "restore the file, or start the changed job with `pocketflow run` in a new directory");
            }
        }
        for (Map.Entry<String, String> e : resumed.entrySet()) {
            String before = recorded.getOrDefault(e.getKey(), "");
            if (!runtimeOnly(e.getKey()) && !before.equals(e.getValue())) {
                problems.add(e.getKey() + " (in --conf): resume continues the same job, but this changes it from '"
                        + before + "' to '" + e.getValue() + "'. Fix: resume without it, or run the changed job with "
                        + "`pocketflow run` in a new directory");
            }
        }
        return problems;
    }

    /**
     * Problems with running {@code current} again in the directory whose {@code job.conf} is
     * {@code jobConf}; empty when it is the same job (runtime settings aside).
     */
    public static List<String> rerunProblems(String jobConfUri, String jobConf, Map<String, String> current) {
        Map<String, String> recorded = new java.util.TreeMap<>();
        com.typesafe.config.ConfigFactory.parseString(jobConf).entrySet()
                .forEach(e -> recorded.put(e.getKey().replace("\"", ""), String.valueOf(e.getValue().unwrapped())));
        return resumeProblems(jobConfUri, jobConf, recorded, current);
    }

    private static boolean runtimeOnly(String key) {
        return key.startsWith("spark.") || key.startsWith("pocketflow.spark.") || key.startsWith("pocketflow.runtime.")
                || key.startsWith("pocketflow.run.");
    }

    private static String body(Map<String, String> resolved) {
        StringBuilder sb = new StringBuilder();
        resolved.forEach((k, v) -> sb.append(k).append(" = ").append(quote(v)).append('\n'));
        return sb.toString();
    }

    private static String quote(String v) {
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM offers no SHA-256, which every Java platform must", e);
        }
    }
}
