package org.pocketflow.driver.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SearchSpaceTest {
    private static void assertRejected(Executable build, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    @Test
    void rejectsInvertedBoundsNamingDimensionValueAndFix() {
        assertRejected(() -> SearchSpace.builder().continuous("conv2.ratio", 0.9, 0.1),
                "dimension conv2.ratio: lo 0.9 must be < hi 0.1", "swap");
        assertRejected(() -> SearchSpace.builder().integer("bits", 8, 2), "dimension bits: lo 8 must be <= hi 2");
    }

    @Test
    void rejectsBadDimensions() {
        assertRejected(() -> SearchSpace.builder().continuous("lr", 0, 1, true), "dimension lr", "log scale", "lo 0.0");
        assertRejected(() -> SearchSpace.builder().continuous("x", 0, Double.POSITIVE_INFINITY), "finite");
        assertRejected(() -> SearchSpace.builder().categorical("opt"), "dimension opt", "at least one choice");
        assertRejected(() -> SearchSpace.builder().categorical("opt", "sgd", "sgd"), "distinct");
        assertRejected(() -> SearchSpace.builder().continuous(" ", 0, 1), "non-blank name");
        assertRejected(() -> SearchSpace.builder().continuous("x", 0, 1).features(1, Double.NaN),
                "dimension x: features[1] must be finite");
    }

    @Test
    void rejectsEmptyRepeatedAndRaggedSpaces() {
        assertRejected(() -> SearchSpace.builder().build(), "at least one dimension");
        assertRejected(() -> SearchSpace.builder().continuous("a", 0, 1).integer("a", 0, 3).build(),
                "dimension a is declared twice");
        assertRejected(() -> SearchSpace.builder().continuous("a", 0, 1).features(1, 2)
                .continuous("b", 0, 1).features(1, 2, 3).build(), "dimension b: has 3 features but a has 2");
        assertThrows(IllegalStateException.class, () -> SearchSpace.builder().features(1));
        assertThrows(IllegalStateException.class, () -> SearchSpace.builder().continuous("a", 0, 1).features(1).features(2));
    }

    @Test
    void mapsPointsToTheUnitCubeAndBack() {
        SearchSpace space = SearchSpace.builder()
                .continuous("x", -2, 2)
                .continuous("lr", 1e-4, 1e-2, true)
                .integer("k", 1, 4)
                .categorical("c", "a", "b")
                .build();
        Point p = new Point(Map.of("x", 1.0, "lr", 1e-3, "k", 2, "c", "b"));
        double[] u = space.toUnit(p);
        assertArrayEquals(new double[]{0.75, 0.5, 0.375, 0.75}, u, 1e-12);
        Point back = space.fromUnit(u);
        assertEquals(1.0, back.getDouble("x"), 1e-12);
        assertEquals(1e-3, back.getDouble("lr"), 1e-15);
        assertEquals(2, back.getInt("k"));
        assertEquals("b", back.getString("c"));
        assertEquals(List.of("x", "lr", "k", "c"), List.copyOf(back.values().keySet()));
        Point corner = space.fromUnit(new double[]{1, 1, 1, 1});
        assertEquals(new Point(Map.of("x", 2.0, "lr", 1e-2, "k", 4, "c", "b")), corner);
        Point clamped = space.fromUnit(new double[]{-3, 0, 0, 0});
        assertEquals(-2.0, clamped.getDouble("x"));
    }

    @Test
    void checkNamesTheOffendingDimension() {
        SearchSpace space = SearchSpace.builder().continuous("x", 0, 1).integer("k", 1, 4).build();
        assertRejected(() -> space.check(new Point(Map.of("x", 0.5))), "lacks dimension k");
        assertRejected(() -> space.check(new Point(Map.of("x", 0.5, "k", 9))), "dimension k: value 9 is outside [1, 4]");
        assertRejected(() -> space.check(new Point(Map.of("x", 0.5, "k", 2.0))), "dimension k: expected an Integer");
        assertRejected(() -> space.check(new Point(Map.of("x", 0.5, "k", 2, "z", 1))), "dimension z, which is not in");
    }

    @Test
    void dimensionsWithoutFeaturesReadAsZeros() {
        SearchSpace space = SearchSpace.builder().continuous("a", 0, 1).features(3, 4).continuous("lr", 0, 1).build();
        assertEquals(2, space.featureLength());
        assertArrayEquals(new double[]{3, 4}, space.features(0));
        assertArrayEquals(new double[]{0, 0}, space.features(1));
    }
}
