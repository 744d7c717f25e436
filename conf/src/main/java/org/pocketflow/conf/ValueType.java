package org.pocketflow.conf;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Optional;

/**
 * The type of a configuration value, with the parsing shared by job files and {@code --conf}
 * overrides: both arrive as text (HOCON numbers keep their literal text), so one parser decides
 * what is accepted.
 */
public enum ValueType {
    /** A 32-bit integer. */
    INT("int", "an integer", Integer.class),
    /** A 64-bit integer. */
    LONG("long", "an integer", Long.class),
    /** A finite decimal number. */
    DOUBLE("double", "a number", Double.class),
    /** {@code true} or {@code false}. */
    BOOLEAN("boolean", "true or false", Boolean.class),
    /** Free text, usually constrained by a validator. */
    STRING("string", "a string", String.class),
    /** One of a fixed list of lower-case words (the key's validator lists them). */
    ENUM("enum", "a string", String.class),
    /** A local path, a {@code file:} URI or a Hadoop file-system URI such as {@code hdfs://nn:8020/pf}. */
    PATH("path", "a path or URI string", String.class);

    private final String label;
    private final String expected;
    private final Class<?> javaType;

    ValueType(String label, String expected, Class<?> javaType) {
        this.label = label;
        this.expected = expected;
        this.javaType = javaType;
    }

    /** Short name used in the documentation table, e.g. {@code int}. */
    public String label() {
        return label;
    }

    /** What a value of this type looks like, for "expected ..." messages, e.g. {@code an integer}. */
    public String expected() {
        return expected;
    }

    /** The Java class of parsed values; {@link ConfigKey} type parameters match it. */
    public Class<?> javaType() {
        return javaType;
    }

    /**
     * Parses text into a value of this type.
     *
     * @return the value, or empty when the text is not {@link #expected()}
     */
    public Optional<Object> parse(String text) {
        String t = text.trim();
        try {
            switch (this) {
                case INT:
                    return Optional.of(new BigDecimal(t).intValueExact());
                case LONG:
                    return Optional.of(new BigDecimal(t).longValueExact());
                case DOUBLE:
                    double d = new BigDecimal(t).doubleValue();
                    return Double.isFinite(d) ? Optional.of(d) : Optional.empty();
                case BOOLEAN:
                    String b = t.toLowerCase(Locale.ROOT);
                    return b.equals("true") || b.equals("false")
                            ? Optional.of(Boolean.valueOf(b)) : Optional.empty();
                default:
                    return Optional.of(text);
            }
        } catch (NumberFormatException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    /**
     * Renders a value the way a user would type it: plain decimals ({@code 0.0005}, not
     * {@code 5.0E-4}), strings as they are.
     */
    public static String render(Object value) {
        if (value instanceof Double d) {
            return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        }
        return String.valueOf(value);
    }
}
