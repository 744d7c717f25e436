package org.pocketflow.conf;

import java.util.List;

/**
 * Every problem found in a job configuration, one line each: the key, the bad value, where it
 * was set and how to fix it. Thrown by {@link JobConfig#load} after the whole configuration has
 * been checked, so a user fixes everything in one round.
 */
public final class ConfigException extends RuntimeException {

    /** The process exit status for a bad configuration; the driver exits with it. */
    public static final int EXIT_CODE = 2;

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /** @param problems one-line messages, at least one */
    public ConfigException(List<String> problems) {
        super(summary(problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** The one-line messages, in the order found. */
    public List<String> problems() {
        return problems;
    }

    private static String summary(List<String> problems) {
        StringBuilder text = new StringBuilder();
        text.append(problems.size()).append(problems.size() == 1 ? " configuration problem:" : " configuration problems:");
        problems.forEach(p -> text.append("\n  - ").append(p));
        return text.toString();
    }
}
