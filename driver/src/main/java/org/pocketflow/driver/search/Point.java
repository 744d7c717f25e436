package org.pocketflow.driver.search;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One candidate: a value per dimension name, in the space's order. Values are {@link Double}
 * (continuous), {@link Integer} (integer) or {@link String} (categorical), so a point writes to
 * JSON as a plain object. Immutable; {@link SearchSpace#check(Point)} says whether it belongs to a space.
 *
 * @param values dimension name to value, iteration order kept
 */
public record Point(Map<String, Object> values) {
    public Point {
        Objects.requireNonNull(values, "values");
        LinkedHashMap<String, Object> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "dimension name"),
                Objects.requireNonNull(v, () -> "value of " + k)));
        values = Collections.unmodifiableMap(copy);
    }

    /** @return the value of dimension {@code name}; throws naming the known dimensions if absent */
    public Object get(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("point has no dimension " + name + "; it has " + values.keySet());
        }
        return v;
    }

    /** @return the continuous value of {@code name} */
    public double getDouble(String name) {
        return ((Number) get(name)).doubleValue();
    }

    /** @return the integer value of {@code name} */
    public int getInt(String name) {
        return (Integer) get(name);
    }

    /** @return the categorical value of {@code name} */
    public String getString(String name) {
        return (String) get(name);
    }
}
