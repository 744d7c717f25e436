package org.pocketflow.conf;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registry of every declared key: one ordered list, grouped by area. A key not listed here
 * is unknown to {@link JobConfig}; a holder added for a new area must be added to
 * {@link #groups()}.
 */
public final class ConfigKeys {

    private static final String PREFIX = "pocketflow.";

    private static final List<KeyGroup> GROUPS = List.of(RunKeys.GROUP, RuntimeKeys.GROUP, DataKeys.GROUP,
            ModelKeys.GROUP, TrainKeys.GROUP, LearnKeys.GROUP, SearchKeys.GROUP, EvalKeys.GROUP, DistributedKeys.GROUP);

    private static final List<ConfigKey<?>> ALL = GROUPS.stream()
            .flatMap(g -> g.keys().stream())
            .<ConfigKey<?>>map(k -> k)
            .toList();

    private static final Map<String, ConfigKey<?>> BY_NAME = byName();

    private ConfigKeys() {
    }

    /** The areas in documentation order. */
    public static List<KeyGroup> groups() {
        return GROUPS;
    }

    /** Every key, in documentation order. */
    public static List<ConfigKey<?>> all() {
        return ALL;
    }

    /** The key with this exact name. */
    public static Optional<ConfigKey<?>> find(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /**
     * The declared key closest to an unknown name by edit distance, when close enough to be a
     * likely typo ({@code pocketflow.train.epoch}) or a missing prefix ({@code train.epochs}).
     */
    public static Optional<ConfigKey<?>> closest(String unknown) {
        int limit = Math.max(3, unknown.length() / 4);
        return ALL.stream()
                .map(k -> Map.entry(k, distance(unknown, k.name())))
                .filter(e -> e.getValue() <= limit)
                .min(Comparator.comparingInt(Map.Entry::getValue))
                .map(Map.Entry::getKey);
    }

    private static int distance(String unknown, String name) {
        int direct = EditDistance.between(unknown, name);
        return unknown.startsWith(PREFIX) ? direct
                : Math.min(direct, EditDistance.between(PREFIX + unknown, name));
    }

    private static Map<String, ConfigKey<?>> byName() {
        Map<String, ConfigKey<?>> map = new LinkedHashMap<>();
        ALL.forEach(k -> map.putIfAbsent(k.name(), k));
        return Map.copyOf(map);
    }
}
