package org.pocketflow.conf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the three layers of a job configuration into raw {@link Setting}s: the generated
 * {@code reference.conf}, the user's HOCON job file and the {@code --conf key=value} overrides.
 * Typing and validation happen afterwards, in {@link JobConfig}.
 */
final class SettingSources {

    /** Relative to this package, so no other jar's {@code reference.conf} is merged in. */
    static final String REFERENCE = "reference.conf";

    private SettingSources() {
    }

    /** The defaults layer. A missing resource is a build error, not a user error. */
    static Config reference() {
        Config reference = ConfigFactory.parseResources(SettingSources.class, REFERENCE,
                ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF));
        return reference.resolve();
    }

    static List<Setting> fromReference(Config reference) {
        return flatten(reference, Origin.DEFAULT, REFERENCE);
    }

    /**
     * The job-file layer. Substitutions may refer to the file itself, to the defaults and to
     * environment variables ({@code ${HOME}}).
     */
    static List<Setting> fromJobFile(String file, Config reference, Problems problems) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            problems.missingJobFile(file, path.toAbsolutePath().normalize(), Files.isDirectory(path));
            return List.of();
        }
        Config job;
        try {
            job = ConfigFactory.parseFile(path.toFile(),
                    ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF));
        } catch (com.typesafe.config.ConfigException e) {
            problems.unparsableJobFile(file, e.getMessage());
            return List.of();
        }
        try {
            job = job.resolveWith(job.withFallback(reference).withFallback(ConfigFactory.systemEnvironment()));
        } catch (com.typesafe.config.ConfigException e) {
            problems.unresolvableJobFile(file, e.getMessage());
            return List.of();
        }
        return flatten(job, Origin.JOB_FILE, file);
    }

    /** The override layer, in command-line order (a later duplicate wins). */
    static List<Setting> fromOverrides(List<String> overrides, Problems problems) {
        List<Setting> settings = new ArrayList<>();
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0 || override.substring(0, eq).isBlank()) {
                problems.malformedOverride(override);
                continue;
            }
            settings.add(new Setting(override.substring(0, eq).trim(), override.substring(eq + 1).trim(),
                    true, Origin.OVERRIDE, "--conf"));
        }
        return settings;
    }

    private static List<Setting> flatten(Config config, Origin origin, String where) {
        List<Setting> settings = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> entry : config.entrySet()) {
            String key = String.join(".", ConfigUtil.splitPath(entry.getKey()));
            ConfigValue value = entry.getValue();
            boolean scalar = value.valueType() != ConfigValueType.LIST && value.valueType() != ConfigValueType.OBJECT;
            String text = value.valueType() == ConfigValueType.STRING
                    ? (String) value.unwrapped()
                    : value.render(ConfigRenderOptions.concise());
            settings.add(new Setting(key, text, scalar, origin, where));
        }
        settings.sort((a, b) -> a.key().compareTo(b.key()));
        return settings;
    }
}
