package org.pocketflow.driver.search;

import java.util.Arrays;
import java.util.List;

/**
 * One named axis of a {@link SearchSpace}: a continuous range (linear or log scale), an integer
 * range or a list of categorical choices. Every dimension maps onto the unit interval, which is
 * where the model-based samplers work: {@link #toUnit} and {@link #fromUnit} are inverse up to the
 * rounding of integer and categorical values (they decode to the centre of their bin).
 *
 * <p>A dimension may carry a {@code features} vector describing what it controls (for a per-layer
 * ratio: layer index, channels, kernel, stride, share of the FLOPs). {@link DdpgSampler} uses it
 * as the layer state of He et al. 2018; other samplers ignore it. An empty array means none.
 */
public sealed interface Dimension permits Dimension.Continuous, Dimension.IntRange, Dimension.Categorical {

    /** @return the dimension's name, unique within its space */
    String name();

    /** @return the per-dimension state vector (a copy); empty when none was given */
    double[] features();

    /** @return the position of {@code value} in [0, 1]; throws if the value does not belong */
    double toUnit(Object value);

    /** @return the value at position {@code u}, which is clamped into [0, 1] first */
    Object fromUnit(double u);

    /** @throws IllegalArgumentException naming the dimension when {@code value} does not belong */
    void check(Object value);

    /**
     * A real range {@code [lo, hi]}; on a log scale the unit interval maps onto {@code [log lo, log hi]}.
     * Values are {@link Double}.
     */
    record Continuous(String name, double lo, double hi, boolean log, double[] features) implements Dimension {
        public Continuous {
            checkName(name);
            if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
                throw new IllegalArgumentException("dimension " + name + ": bounds must be finite, but got ["
                        + lo + ", " + hi + "]");
            }
            if (!(lo < hi)) {
                throw new IllegalArgumentException("dimension " + name + ": lo " + lo + " must be < hi " + hi
                        + "; swap them, or use a categorical with one choice for a constant");
            }
            if (log && lo <= 0) {
                throw new IllegalArgumentException("dimension " + name + ": a log scale needs lo > 0, but got lo "
                        + lo + "; use a linear scale or a positive lower bound");
            }
            features = checkFeatures(name, features);
        }

        @Override
        public double[] features() {
            return features.clone();
        }

        @Override
        public double toUnit(Object value) {
            check(value);
            double x = (Double) value;
            double u = log ? (Math.log(x) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (x - lo) / (hi - lo);
            return clamp(u);
        }

        @Override
        public Double fromUnit(double u) {
            double c = clamp(u);
            double x = log ? Math.exp(Math.log(lo) + c * (Math.log(hi) - Math.log(lo))) : lo + c * (hi - lo);
            return Math.min(hi, Math.max(lo, x));
        }

        @Override
        public void check(Object value) {
            if (!(value instanceof Double d)) {
                throw wrongType(name, "a Double", value);
            }
            if (!(d >= lo && d <= hi)) {
                throw new IllegalArgumentException("dimension " + name + ": value " + d + " is outside [" + lo + ", "
                        + hi + "]");
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Continuous c && name.equals(c.name) && Double.compare(lo, c.lo) == 0
                    && Double.compare(hi, c.hi) == 0 && log == c.log && Arrays.equals(features, c.features);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(features);
        }

        @Override
        public String toString() {
            return name + (log ? " log[" : " [") + lo + ", " + hi + "]";
        }
    }

    /**
     * The integers {@code lo..hi} inclusive. The unit interval is cut into {@code hi - lo + 1} equal
     * bins, so every integer is equally likely under a uniform draw. Values are {@link Integer}.
     */
    record IntRange(String name, int lo, int hi, double[] features) implements Dimension {
        public IntRange {
            checkName(name);
            if (lo > hi) {
                throw new IllegalArgumentException("dimension " + name + ": lo " + lo + " must be <= hi " + hi
                        + "; swap them");
            }
            if ((long) hi - lo + 1 > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("dimension " + name + ": range [" + lo + ", " + hi
                        + "] has more than 2^31-1 values; use a continuous dimension");
            }
            features = checkFeatures(name, features);
        }

        /** @return the number of integers in the range */
        public int size() {
            return hi - lo + 1;
        }

        @Override
        public double[] features() {
            return features.clone();
        }

        @Override
        public double toUnit(Object value) {
            check(value);
            return ((Integer) value - lo + 0.5) / size();
        }

        @Override
        public Integer fromUnit(double u) {
            return lo + Math.min(size() - 1, (int) Math.floor(clamp(u) * size()));
        }

        @Override
        public void check(Object value) {
            if (!(value instanceof Integer i)) {
                throw wrongType(name, "an Integer", value);
            }
            if (i < lo || i > hi) {
                throw new IllegalArgumentException("dimension " + name + ": value " + i + " is outside [" + lo + ", "
                        + hi + "]");
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof IntRange r && name.equals(r.name) && lo == r.lo && hi == r.hi
                    && Arrays.equals(features, r.features);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(features);
        }

        @Override
        public String toString() {
            return name + " int[" + lo + ", " + hi + "]";
        }
    }

    /** One of a list of distinct strings, in bins of equal width on the unit interval. Values are {@link String}. */
    record Categorical(String name, List<String> choices, double[] features) implements Dimension {
        public Categorical {
            checkName(name);
            if (choices == null || choices.isEmpty()) {
                throw new IllegalArgumentException("dimension " + name + ": needs at least one choice");
            }
            choices = List.copyOf(choices);
            if (choices.stream().distinct().count() != choices.size()) {
                throw new IllegalArgumentException("dimension " + name + ": choices must be distinct, but got "
                        + choices);
            }
            features = checkFeatures(name, features);
        }

        /** @return the index of {@code value} among the choices */
        public int indexOf(Object value) {
            check(value);
            return choices.indexOf(value);
        }

        @Override
        public double[] features() {
            return features.clone();
        }

        @Override
        public double toUnit(Object value) {
            return (indexOf(value) + 0.5) / choices.size();
        }

        @Override
        public String fromUnit(double u) {
            return choices.get(Math.min(choices.size() - 1, (int) Math.floor(clamp(u) * choices.size())));
        }

        @Override
        public void check(Object value) {
            if (!(value instanceof String s)) {
                throw wrongType(name, "a String", value);
            }
            if (!choices.contains(s)) {
                throw new IllegalArgumentException("dimension " + name + ": value '" + s + "' is not one of "
                        + choices);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Categorical c && name.equals(c.name) && choices.equals(c.choices)
                    && Arrays.equals(features, c.features);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + choices.hashCode();
        }

        @Override
        public String toString() {
            return name + " " + choices;
        }
    }

    private static void checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a dimension needs a non-blank name, but got '" + name + "'");
        }
    }

    private static double[] checkFeatures(String name, double[] features) {
        double[] f = features == null ? new double[0] : features.clone();
        for (int i = 0; i < f.length; i++) {
            if (!Double.isFinite(f[i])) {
                throw new IllegalArgumentException("dimension " + name + ": features[" + i + "] must be finite, but got "
                        + f[i]);
            }
        }
        return f;
    }

    private static IllegalArgumentException wrongType(String name, String expected, Object value) {
        return new IllegalArgumentException("dimension " + name + ": expected " + expected + ", but got "
                + (value == null ? "null" : value.getClass().getSimpleName() + " " + value));
    }

    private static double clamp(double u) {
        if (Double.isNaN(u)) {
            throw new IllegalArgumentException("unit coordinate must be a number, but got NaN");
        }
        return Math.min(1.0, Math.max(0.0, u));
    }
}
