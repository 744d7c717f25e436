package org.pocketflow.conf;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Factories for the {@link Validator}s that key declarations use. Each validator describes itself
 * ({@code [1, 1000]}, {@code one of lenet, resnet20}), and that text appears both in
 * {@code docs/CONFIG.md} and in error messages.
 */
public final class Validators {

    /** The description of {@link #any()}: nothing to check beyond the key's type. */
    static final String ANY = "any";

    private Validators() {
    }

    /** Accepts every value of the key's type. */
    public static <T> Validator<T> any() {
        return new Rule<>(ANY, ANY, value -> Optional.empty());
    }

    /** Accepts any string that is not blank. */
    public static Validator<String> nonEmpty() {
        return new Rule<>("non-empty", "a non-empty value", value -> unless(!value.isBlank(), "must not be empty"));
    }

    /** Accepts integers {@code >= lo}. */
    public static Validator<Integer> atLeast(int lo) {
        return new Rule<>(">= " + lo, "a value >= " + lo, value -> unless(value >= lo, "must be >= " + lo));
    }

    /** Accepts strings that match {@code regex} entirely. */
    public static Validator<String> matches(String regex) {
        Pattern pattern = Pattern.compile(regex);
        return new Rule<>("matches " + regex, "a value matching " + regex,
                value -> unless(pattern.matcher(value).matches(), "must match " + regex));
    }

    /** Accepts an empty value or comma-separated finite numbers, such as {@code 0.485,0.456,0.406}. */
    public static Validator<String> numberList() {
        Pattern number = Pattern.compile("\\s*[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?\\s*");
        return new Rule<>("comma-separated numbers", "comma-separated numbers such as 0.485,0.456,0.406, or empty",
                value -> unless(value.isBlank() || java.util.Arrays.stream(value.split(",", -1))
                        .allMatch(v -> number.matcher(v).matches()), "must be comma-separated numbers"));
    }

    /** Accepts exactly one of {@code allowed} (case-sensitive). */
    public static Validator<String> oneOf(List<String> allowed) {
        List<String> copy = List.copyOf(allowed);
        String list = "one of " + String.join(", ", copy);
        return new Rule<>(list, list, value -> unless(copy.contains(value), "must be " + list));
    }

    /**
     * Accepts a local path (empty allowed) or a well-formed URI such as {@code file:///data} or
     * {@code hdfs://nn:8020/pf/runs}. Whether the target exists is checked separately, and only for
     * local paths ({@link ConfigKey#mustExist()}).
     */
    public static Validator<String> location() {
        return new Rule<>("local path or Hadoop URI", "a local path or a Hadoop URI such as hdfs://nn:8020/pf/data",
                Validators::wellFormedIfUri);
    }

    /** Accepts integers in the closed interval {@code [lo, hi]}. */
    public static Validator<Integer> range(int lo, int hi) {
        return new Range<>(lo, true, hi, true);
    }

    /** Accepts longs in the closed interval {@code [lo, hi]}. */
    public static Validator<Long> range(long lo, long hi) {
        return new Range<>(lo, true, hi, true);
    }

    /** Accepts numbers in the closed interval {@code [lo, hi]}. */
    public static Validator<Double> range(double lo, double hi) {
        return new Range<>(lo, true, hi, true);
    }

    /** Accepts numbers in {@code (lo, hi]}: for quantities that must be positive, like a learning rate. */
    public static Validator<Double> openClosed(double lo, double hi) {
        return new Range<>(lo, false, hi, true);
    }

    /** Accepts numbers in {@code [lo, hi)}: for fractions that must stay below a bound, like momentum. */
    public static Validator<Double> closedOpen(double lo, double hi) {
        return new Range<>(lo, true, hi, false);
    }

    private static Optional<String> unless(boolean ok, String problem) {
        return ok ? Optional.empty() : Optional.of(problem);
    }

    private static Optional<String> wellFormedIfUri(String value) {
        if (!Location.hasScheme(value)) {
            return Optional.empty();
        }
        try {
            new URI(value);
            return Optional.empty();
        } catch (URISyntaxException e) {
            return Optional.of("is not a valid URI (" + e.getReason() + ")");
        }
    }

    /** A validator made of its two texts and a check. */
    private record Rule<T>(String description, String requirement, Function<T, Optional<String>> checker)
            implements Validator<T> {

        @Override
        public Optional<String> check(T value) {
            return checker.apply(value);
        }
    }

    /** An interval over a numeric type; closed ends print as "between lo and hi". */
    private record Range<T extends Number & Comparable<T>>(T lo, boolean loClosed, T hi, boolean hiClosed)
            implements Validator<T> {

        @Override
        public Optional<String> check(T value) {
            int lower = value.compareTo(lo);
            int upper = value.compareTo(hi);
            boolean ok = (loClosed ? lower >= 0 : lower > 0) && (hiClosed ? upper <= 0 : upper < 0);
            return unless(ok, loClosed && hiClosed
                    ? "must be between " + ValueType.render(lo) + " and " + ValueType.render(hi)
                    : "must be in " + description());
        }

        @Override
        public String description() {
            return (loClosed ? "[" : "(") + ValueType.render(lo) + ", " + ValueType.render(hi)
                    + (hiClosed ? "]" : ")");
        }

        @Override
        public String requirement() {
            return "a value in " + description();
        }
    }
}
