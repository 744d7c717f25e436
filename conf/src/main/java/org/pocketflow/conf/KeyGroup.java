package org.pocketflow.conf;

import java.util.List;

/**
 * The keys of one area (run, data, train, ...), in declaration order; a section of
 * {@code docs/CONFIG.md} and of {@code reference.conf}.
 *
 * @param title section title, e.g. {@code Training}
 * @param keys the area's keys
 */
public record KeyGroup(String title, List<ConfigKey<?>> keys) {

    /** Copies {@code keys} so the group is immutable. */
    public KeyGroup {
        keys = List.copyOf(keys);
    }
}
