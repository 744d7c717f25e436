package org.pocketflow.conf;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The validated configuration of one job: every key of {@link ConfigKeys#all()} with its typed
 * value and where it came from, plus the {@code spark.*} settings to pass to SparkConf verbatim.
 *
 * <p>Layers, later winning: the defaults in {@code reference.conf} (generated from the
 * declarations), the HOCON job file, the {@code --conf key=value} overrides. {@link #load} checks
 * the whole result before returning and throws one {@link ConfigException} listing every
 * problem. Instances are immutable.
 */
public final class JobConfig {

    private static final String SPARK_PREFIX = "spark.";

    private final Optional<String> jobFile;
    private final Map<String, Object> values;
    private final Map<String, Origin> origins;
    private final Map<String, String> sparkConf;

    private JobConfig(Optional<String> jobFile, Map<String, Object> values, Map<String, Origin> origins,
                      Map<String, String> sparkConf) {
        this.jobFile = jobFile;
        this.values = Map.copyOf(values);
        this.origins = Map.copyOf(origins);
        this.sparkConf = Collections.unmodifiableMap(new TreeMap<>(sparkConf));
    }

    /**
     * Loads, layers and validates a job configuration.
     *
     * @param jobFile a HOCON job file, relative to the working directory, or empty for defaults only
     * @param overrides {@code key=value} strings from {@code --conf}, in command-line order
     * @throws ConfigException listing every problem found, if there is any
     */
    public static JobConfig load(Optional<String> jobFile, List<String> overrides) {
        Problems problems = new Problems();
        Config reference = SettingSources.reference();
        Map<String, Setting> effective = new LinkedHashMap<>();
        Map<String, String> spark = new HashMap<>();

        List<List<Setting>> layers = List.of(
                SettingSources.fromReference(reference),
                jobFile.map(f -> SettingSources.fromJobFile(f, reference, problems)).orElse(List.of()),
                SettingSources.fromOverrides(overrides, problems));
        for (List<Setting> layer : layers) {
            for (Setting setting : layer) {
                if (setting.key().startsWith(SPARK_PREFIX)) {
                    acceptSparkSetting(setting, spark, problems);
                } else if (ConfigKeys.find(setting.key()).isEmpty()) {
                    problems.unknownKey(setting);
                } else {
                    effective.put(setting.key(), setting);
                }
            }
        }

        Map<String, Object> values = new HashMap<>();
        Map<String, Origin> origins = new HashMap<>();
        for (ConfigKey<?> key : ConfigKeys.all()) {
            Setting setting = effective.getOrDefault(key.name(), declaredDefault(key));
            typed(key, setting, problems).ifPresent(value -> values.put(key.name(), value));
            origins.put(key.name(), setting.origin());
        }
        if (problems.isEmpty()) {
            qualifyLocalPaths(values);
            values.put(SearchKeys.SAMPLER.name(), SearchKeys.resolveSampler((String) values.get(SearchKeys.SAMPLER.name()),
                    origins.get(SearchKeys.TRIALS.name()) != Origin.DEFAULT));
            refuseLocalPathsOnACluster(values, effective, problems);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.lines());
        }
        return new JobConfig(jobFile, values, origins, spark);
    }

    /** The effective value of a key. */
    public <T> T get(ConfigKey<T> key) {
        return key.cast(values.get(registered(key)));
    }

    /** Every key with its effective value as text, sorted by name, for provenance. */
    public Map<String, String> resolved() {
        Map<String, String> resolved = new TreeMap<>();
        values.forEach((name, value) -> resolved.put(name, ValueType.render(value)));
        return Collections.unmodifiableMap(resolved);
    }

    /** Where a key's value came from: {@code default}, {@code job file} or {@code override}. */
    public String origin(ConfigKey<?> key) {
        return origins.get(registered(key)).label();
    }

    /** The {@code spark.*} settings of the job file and overrides, sorted, for SparkConf verbatim. */
    public Map<String, String> sparkConf() {
        return sparkConf;
    }

    /** The job file this configuration was loaded from, as given. */
    public Optional<String> jobFile() {
        return jobFile;
    }

    private String registered(ConfigKey<?> key) {
        if (!values.containsKey(key.name())) {
            throw new IllegalArgumentException(key.name() + " is not registered. Fix: add its holder's GROUP"
                    + " to ConfigKeys.groups()");
        }
        return key.name();
    }

    private static void acceptSparkSetting(Setting setting, Map<String, String> spark, Problems problems) {
        if (setting.scalar()) {
            spark.put(setting.key(), setting.text());
        } else {
            problems.nonScalarSparkSetting(setting);
        }
    }

    /** Used only when reference.conf lacks a key, i.e. it was not regenerated after a key was added. */
    private static Setting declaredDefault(ConfigKey<?> key) {
        return new Setting(key.name(), key.renderedDefault(), true, Origin.DEFAULT, "declaration");
    }

    /**
     * Makes every local path absolute ({@code file:/...}), so that what is shipped to executors
     * does not depend on their working directory or on Hadoop's default file system.
     */
    private static void qualifyLocalPaths(Map<String, Object> values) {
        for (ConfigKey<?> key : ConfigKeys.all()) {
            if (key.type() == ValueType.PATH && values.get(key.name()) instanceof String text && !text.isEmpty()) {
                Location.qualified(text).ifPresent(uri -> values.put(key.name(), uri));
            }
        }
    }

    /**
     * With a master whose executors may run on other hosts, a local path is seen by each host's
     * own disk: an output stays on the executor that wrote it and an input may be missing. Such
     * paths are refused unless the user declares them shared.
     */
    private static void refuseLocalPathsOnACluster(Map<String, Object> values, Map<String, Setting> effective,
            Problems problems) {
        String master = (String) values.get(RuntimeKeys.SPARK_MASTER.name());
        if (master.startsWith("local") || Boolean.TRUE.equals(values.get(RunKeys.SHARED_FILESYSTEM.name()))) {
            return;
        }
        // a run directory given outright is used instead of the run root, which then does not matter
        boolean runDirGiven = !((String) values.get(RunKeys.RUN_DIR.name())).isEmpty();
        for (ConfigKey<?> key : ConfigKeys.all()) {
            if (key == RunKeys.RUN_ROOT && runDirGiven) {
                continue;
            }
            if (key.type() == ValueType.PATH && values.get(key.name()) instanceof String text && !text.isEmpty()
                    && Location.isLocal(text)) {
                Setting setting = effective.getOrDefault(key.name(), declaredDefault(key));
                problems.localPathOnCluster(key, setting, text, master, RunKeys.SHARED_FILESYSTEM.name());
            }
        }
    }

    /** Parses, validates and (for paths that are read) checks existence; empty when there is a problem. */
    private static Optional<Object> typed(ConfigKey<?> key, Setting setting, Problems problems) {
        Optional<Object> parsed = setting.scalar() ? key.type().parse(setting.text()) : Optional.empty();
        if (parsed.isEmpty()) {
            problems.wrongType(key, setting);
            return Optional.empty();
        }
        Optional<String> invalid = key.check(parsed.get());
        if (invalid.isPresent()) {
            problems.invalid(key, setting, invalid.get());
            return Optional.empty();
        }
        if (key.mustExist() && !setting.text().isEmpty() && Location.isLocal(setting.text())) {
            Optional<Path> local = Location.localPath(setting.text());
            if (local.isEmpty()) {
                problems.unusableFileUri(setting);
                return Optional.empty();
            }
            if (!Files.exists(local.get())) {
                problems.notFound(key, setting, local.get());
                return Optional.empty();
            }
        }
        return parsed;
    }
}
