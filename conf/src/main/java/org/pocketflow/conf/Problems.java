package org.pocketflow.conf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the one-line problem messages of one {@link JobConfig#load}. All wording lives here,
 * so every message has the same shape: {@code key = value (in where): problem. Fix: ...}.
 */
final class Problems {

    private static final String EXAMPLE_JOB = "conf/examples/quickstart.conf";

    private final List<String> lines = new ArrayList<>();

    void missingJobFile(String file, Path absolute, boolean isFolder) {
        lines.add(file + ": " + (isFolder ? "is a folder, not a job file" : "job file not found")
                + " (looked at " + absolute + "). Fix: pass an existing HOCON file, e.g. " + EXAMPLE_JOB);
    }

    void unparsableJobFile(String file, String reason) {
        lines.add(file + ": cannot parse the job file: " + reason + ". Fix: correct the HOCON syntax;"
                + " quote values that contain ':', '//', '[' or '*', e.g. \"file:///data\" or \"local[*]\"");
    }

    void unresolvableJobFile(String file, String reason) {
        lines.add(file + ": " + reason + ". Fix: define the referenced key or environment variable,"
                + " or write ${?NAME} to make the substitution optional");
    }

    void malformedOverride(String override) {
        String example = ConfigKeys.find(override.trim())
                .map(k -> k.name() + "=" + k.renderedDefault())
                .orElse(TrainKeys.EPOCHS.name() + "=" + TrainKeys.EPOCHS.renderedDefault());
        lines.add("--conf " + display(override) + ": malformed override, expected key=value."
                + " Fix: write it as --conf <key>=<value>, e.g. --conf " + example);
    }

    void unknownKey(Setting setting) {
        String head = setting.key() + " (in " + setting.where() + "): unknown key.";
        lines.add(ConfigKeys.closest(setting.key())
                .map(k -> head + " Did you mean " + k.name() + "?")
                .orElse(head + " Fix: remove it or use a key listed in docs/CONFIG.md;"
                        + " Spark settings go under spark.*, e.g. spark.executor.memory"));
    }

    void nonScalarSparkSetting(Setting setting) {
        lines.add(head(setting) + "expected a single value. Fix: write Spark settings as one string,"
                + " e.g. " + setting.key() + " = \"a,b\"");
    }

    void wrongType(ConfigKey<?> key, Setting setting) {
        lines.add(head(setting) + "expected " + key.type().expected() + ". " + key.fix());
    }

    void invalid(ConfigKey<?> key, Setting setting, String problem) {
        lines.add(head(setting) + problem + ". " + key.fix());
    }

    void notFound(ConfigKey<?> key, Setting setting, Path local) {
        lines.add(head(setting) + "file not found (" + local.toAbsolutePath().normalize() + "). " + pathFix(key));
    }

    void localPathOnCluster(ConfigKey<?> key, Setting setting, String qualified, String master, String sharedKey) {
        lines.add(head(setting) + "is a local path (" + qualified + "), but master " + master
                + " runs executors on other hosts, which do not see this host's disk. Fix: use a shared"
                + " file system URI such as hdfs://nn:8020/pf/" + (key.mustExist() ? "data" : "runs")
                + ", or set " + sharedKey + "=true if every host mounts this path (e.g. NFS)");
    }

    void unusableFileUri(Setting setting) {
        lines.add(head(setting) + "is not a usable file: URI. Fix: write file:///absolute/path or a plain path");
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    boolean isEmpty() {
        return lines.isEmpty();
    }

    private static String pathFix(ConfigKey<?> key) {
        String fix = "Fix: point it at an existing local file or folder, or at a Hadoop URI such as"
                + " hdfs://nn:8020/pf/data";
        return key.renderedDefault().isEmpty()
                ? fix + ", or leave it empty (the default)"
                : fix + " (default " + key.renderedDefault() + ")";
    }

    private static String head(Setting setting) {
        return setting.key() + " = " + display(setting.text()) + " (in " + setting.where() + "): ";
    }

    /** Quotes values that would be hard to see otherwise: empty ones and ones with spaces. */
    static String display(String text) {
        boolean plain = !text.isEmpty() && text.chars().noneMatch(c -> Character.isWhitespace(c) || c == '"');
        return plain ? text : "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
