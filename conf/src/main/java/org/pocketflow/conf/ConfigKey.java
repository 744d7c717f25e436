package org.pocketflow.conf;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The one declaration of a configuration key: name, type, default, one-line doc and validator.
 * Declared once in a holder per area ({@link RunKeys}, {@link TrainKeys}, ...) and listed in
 * {@link ConfigKeys#all()}; {@code docs/CONFIG.md}, {@code reference.conf} and the error messages
 * are all derived from it.
 *
 * @param name full dotted name, e.g. {@code pocketflow.train.epochs}
 * @param type value type; {@code T} is {@link ValueType#javaType()}
 * @param defaultValue value used when neither the job file nor an override sets the key
 * @param doc one line for the documentation table and the {@code reference.conf} comment
 * @param validator checks parsed values and describes what it accepts
 * @param mustExist for {@link ValueType#PATH} keys: a non-empty local value must name an
 *     existing file or folder
 * @param <T> the Java type of values
 */
public record ConfigKey<T>(String name, ValueType type, T defaultValue, String doc,
                           Validator<T> validator, boolean mustExist) {

    /** Checks the declaration itself; a bad one is a programming error. */
    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue of " + name);
        Objects.requireNonNull(validator, "validator of " + name);
        if (!name.matches("pocketflow(\\.[a-z0-9][a-z0-9-]*)+")) {
            throw new IllegalArgumentException("key name " + name
                    + " must be pocketflow.<lower-case-words> separated by dots");
        }
        if (doc == null || doc.isBlank() || doc.contains("\n")) {
            throw new IllegalArgumentException("key " + name + " needs a one-line doc");
        }
        if (!type.javaType().isInstance(defaultValue)) {
            throw new IllegalArgumentException("default of " + name + " is not a " + type.label());
        }
        if (mustExist && type != ValueType.PATH) {
            throw new IllegalArgumentException("only path keys can require existence: " + name);
        }
    }

    /** An {@link ValueType#INT} key. */
    public static ConfigKey<Integer> integer(String name, int defaultValue, String doc,
                                             Validator<Integer> validator) {
        return new ConfigKey<>(name, ValueType.INT, defaultValue, doc, validator, false);
    }

    /** A {@link ValueType#LONG} key. */
    public static ConfigKey<Long> longInteger(String name, long defaultValue, String doc,
                                              Validator<Long> validator) {
        return new ConfigKey<>(name, ValueType.LONG, defaultValue, doc, validator, false);
    }

    /** A {@link ValueType#DOUBLE} key. */
    public static ConfigKey<Double> real(String name, double defaultValue, String doc,
                                         Validator<Double> validator) {
        return new ConfigKey<>(name, ValueType.DOUBLE, defaultValue, doc, validator, false);
    }

    /** A {@link ValueType#BOOLEAN} key. */
    public static ConfigKey<Boolean> bool(String name, boolean defaultValue, String doc) {
        return new ConfigKey<>(name, ValueType.BOOLEAN, defaultValue, doc, Validators.any(), false);
    }

    /** A {@link ValueType#STRING} key. */
    public static ConfigKey<String> string(String name, String defaultValue, String doc,
                                           Validator<String> validator) {
        return new ConfigKey<>(name, ValueType.STRING, defaultValue, doc, validator, false);
    }

    /** An {@link ValueType#ENUM} key whose value must be one of {@code allowed}. */
    public static ConfigKey<String> oneOf(String name, String defaultValue, String doc,
                                          String... allowed) {
        return new ConfigKey<>(name, ValueType.ENUM, defaultValue, doc,
                Validators.oneOf(List.of(allowed)), false);
    }

    /** A {@link ValueType#PATH} key whose target need not exist yet (an output folder). */
    public static ConfigKey<String> path(String name, String defaultValue, String doc) {
        return new ConfigKey<>(name, ValueType.PATH, defaultValue, doc, Validators.location(), false);
    }

    /**
     * A {@link ValueType#PATH} key that is read from: when the value is non-empty and local, the
     * file or folder must exist. Hadoop URIs are checked later by the driver.
     */
    public static ConfigKey<String> existingPath(String name, String defaultValue, String doc) {
        return new ConfigKey<>(name, ValueType.PATH, defaultValue, doc, Validators.location(), true);
    }

    /** The default as a user would type it ({@code 0.0005}, not {@code 5.0E-4}). */
    public String renderedDefault() {
        return ValueType.render(defaultValue);
    }

    /** Runs the validator on a value already parsed to this key's type. */
    Optional<String> check(Object value) {
        return validator.check(cast(value));
    }

    /** Casts a value parsed by {@link #type()} to {@code T}. */
    T cast(Object value) {
        @SuppressWarnings("unchecked")
        T typed = (T) type.javaType().cast(value);
        return typed;
    }

    /**
     * The "Fix:" sentence of an error message, e.g. {@code Fix: set it to a value in [1, 1000]
     * (default 10), e.g. --conf pocketflow.train.epochs=10}.
     */
    public String fix() {
        boolean any = validator.description().equals(Validators.ANY);
        String base = "Fix: set it to " + (any ? type.expected() : validator.requirement());
        if (renderedDefault().isEmpty()) {
            return base + " or leave it empty (the default)";
        }
        return base + " (default " + renderedDefault() + "), e.g. --conf " + name + "="
                + renderedDefault();
    }

    @Override
    public String toString() {
        return name;
    }
}
