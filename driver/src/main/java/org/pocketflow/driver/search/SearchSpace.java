package org.pocketflow.driver.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ordered list of named {@link Dimension}s: what a {@link Sampler} proposes points in. The
 * order matters to {@link DdpgSampler}, which visits the dimensions as the steps of an episode
 * (layer by layer), and fixes the coordinate order of {@link #toUnit}. Immutable; built with
 * {@link #builder()}:
 *
 * <pre>{@code
 * SearchSpace space = SearchSpace.builder()
 *         .continuous("conv1.ratio", 0.2, 1.0).features(0, 16, 3, 1, 0.12)
 *         .continuous("lr", 1e-4, 1e-1, true)
 *         .integer("finetune.steps", 100, 2000)
 *         .categorical("optimizer", "sgd", "adam")
 *         .build();
 * }</pre>
 *
 * <p>Feature vectors, where given, must all have one length; dimensions without one read as zeros
 * of that length ({@link #featureLength()}).
 */
public final class SearchSpace {
    private final List<Dimension> dimensions;
    private final int featureLength;

    private SearchSpace(List<Dimension> dimensions) {
        if (dimensions.isEmpty()) {
            throw new IllegalArgumentException("a search space needs at least one dimension; add one to the builder");
        }
        Set<String> names = new HashSet<>();
        int length = 0;
        Dimension first = null;
        for (Dimension d : dimensions) {
            if (!names.add(d.name())) {
                throw new IllegalArgumentException("dimension " + d.name() + " is declared twice; names must be unique");
            }
            int n = d.features().length;
            if (n == 0) {
                continue;
            }
            if (first == null) {
                first = d;
                length = n;
            } else if (n != length) {
                throw new IllegalArgumentException("dimension " + d.name() + ": has " + n + " features but "
                        + first.name() + " has " + length + "; give every dimension the same feature layout");
            }
        }
        this.dimensions = List.copyOf(dimensions);
        this.featureLength = length;
    }

    /** @return a builder for a new space */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the dimensions in order */
    public List<Dimension> dimensions() {
        return dimensions;
    }

    /** @return the number of dimensions */
    public int size() {
        return dimensions.size();
    }

    /** @return dimension {@code i} */
    public Dimension dimension(int i) {
        return dimensions.get(i);
    }

    /** @return the common length of the feature vectors, 0 when no dimension has one */
    public int featureLength() {
        return featureLength;
    }

    /** @return the features of dimension {@code i}, zeros of {@link #featureLength()} when it has none */
    public double[] features(int i) {
        double[] f = dimensions.get(i).features();
        return f.length == featureLength ? f : new double[featureLength];
    }

    /**
     * @param point a point of this space
     * @return its coordinates in the unit cube, one per dimension in order
     * @throws IllegalArgumentException when the point does not belong (see {@link #check})
     */
    public double[] toUnit(Point point) {
        check(point);
        double[] u = new double[dimensions.size()];
        for (int i = 0; i < u.length; i++) {
            Dimension d = dimensions.get(i);
            u[i] = d.toUnit(point.get(d.name()));
        }
        return u;
    }

    /**
     * @param u coordinates in the unit cube (clamped), one per dimension
     * @return the point they decode to
     */
    public Point fromUnit(double[] u) {
        if (u.length != dimensions.size()) {
            throw new IllegalArgumentException("expected " + dimensions.size() + " unit coordinates, one per dimension "
                    + names() + ", but got " + u.length);
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < u.length; i++) {
            values.put(dimensions.get(i).name(), dimensions.get(i).fromUnit(u[i]));
        }
        return new Point(values);
    }

    /**
     * @throws IllegalArgumentException naming the dimension when {@code point} lacks a dimension,
     *                                  has an unknown one, or a value of the wrong type or out of range
     */
    public void check(Point point) {
        for (String name : point.values().keySet()) {
            if (dimensions.stream().noneMatch(d -> d.name().equals(name))) {
                throw new IllegalArgumentException("point has dimension " + name + ", which is not in the space "
                        + names());
            }
        }
        for (Dimension d : dimensions) {
            Object v = point.values().get(d.name());
            if (v == null) {
                throw new IllegalArgumentException("point lacks dimension " + d.name() + "; it has "
                        + point.values().keySet());
            }
            d.check(v);
        }
    }

    /** @return the dimension names in order */
    public List<String> names() {
        return dimensions.stream().map(Dimension::name).toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SearchSpace s && dimensions.equals(s.dimensions);
    }

    @Override
    public int hashCode() {
        return dimensions.hashCode();
    }

    @Override
    public String toString() {
        return "SearchSpace" + dimensions;
    }

    /** Collects dimensions in order; {@link #features} attaches a state vector to the one just added. */
    public static final class Builder {
        private final List<Dimension> dimensions = new ArrayList<>();
        private boolean featuresSet;

        private Builder() {
        }

        /** Adds a continuous dimension on a linear scale. */
        public Builder continuous(String name, double lo, double hi) {
            return continuous(name, lo, hi, false);
        }

        /** Adds a continuous dimension, on a log scale when {@code log}. */
        public Builder continuous(String name, double lo, double hi, boolean log) {
            return add(new Dimension.Continuous(name, lo, hi, log, null));
        }

        /** Adds the integers {@code lo..hi}. */
        public Builder integer(String name, int lo, int hi) {
            return add(new Dimension.IntRange(name, lo, hi, null));
        }

        /** Adds a categorical dimension. */
        public Builder categorical(String name, String... choices) {
            return categorical(name, Arrays.asList(choices));
        }

        /** Adds a categorical dimension. */
        public Builder categorical(String name, List<String> choices) {
            return add(new Dimension.Categorical(name, choices, null));
        }

        /** Adds a dimension as it is. */
        public Builder add(Dimension dimension) {
            dimensions.add(dimension);
            featuresSet = dimension.features().length > 0;
            return this;
        }

        /** Attaches {@code features} (e.g. layer index, channels, kernel, stride, FLOPs share) to the last dimension. */
        public Builder features(double... features) {
            if (dimensions.isEmpty()) {
                throw new IllegalStateException("features() describes the dimension added just before it; add one first");
            }
            int last = dimensions.size() - 1;
            Dimension d = dimensions.get(last);
            if (featuresSet) {
                throw new IllegalStateException("dimension " + d.name() + " already has features; call features() once");
            }
            Dimension with;
            if (d instanceof Dimension.Continuous c) {
                with = new Dimension.Continuous(c.name(), c.lo(), c.hi(), c.log(), features);
            } else if (d instanceof Dimension.IntRange r) {
                with = new Dimension.IntRange(r.name(), r.lo(), r.hi(), features);
            } else {
                Dimension.Categorical c = (Dimension.Categorical) d;
                with = new Dimension.Categorical(c.name(), c.choices(), features);
            }
            dimensions.set(last, with);
            featuresSet = true;
            return this;
        }

        /** @return the space; throws when it is empty, names repeat or feature lengths differ */
        public SearchSpace build() {
            return new SearchSpace(dimensions);
        }
    }
}
