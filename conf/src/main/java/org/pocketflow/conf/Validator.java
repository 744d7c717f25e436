package org.pocketflow.conf;

import java.util.Optional;

/**
 * Checks a parsed value of one {@link ConfigKey} and describes what it accepts, so that the
 * documentation table and the error messages share one text.
 *
 * <p>Implementations are immutable and stateless; they are called once per key per
 * {@link JobConfig#load}, after the value has been parsed to the key's type.
 *
 * @param <T> the key's value type
 */
public interface Validator<T> {

    /**
     * Checks a value.
     *
     * @return empty when the value is acceptable, else a problem phrase such as
     *     {@code must be between 1 and 1000}
     */
    Optional<String> check(T value);

    /** What is accepted, for the documentation table: {@code [1, 1000]}, {@code one of a, b}. */
    String description();

    /**
     * What to set the key to, for the "Fix:" part of an error message:
     * {@code a value in [1, 1000]}, {@code one of a, b}. Defaults to {@link #description()}.
     */
    default String requirement() {
        return description();
    }
}
