package org.pocketflow.conf;

import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ValueTypeTest {

    @Test
    void parsesIntegersExactly() {
        assertEquals(Optional.of(10), ValueType.INT.parse(" 10 "));
        assertEquals(Optional.of(1000), ValueType.INT.parse("1e3"));
        assertEquals(Optional.empty(), ValueType.INT.parse("2.5"));
        assertEquals(Optional.empty(), ValueType.INT.parse("3000000000"));
        assertEquals(Optional.of(3000000000L), ValueType.LONG.parse("3000000000"));
        assertEquals(Optional.empty(), ValueType.LONG.parse(""));
    }

    @Test
    void parsesFiniteNumbersAndStrictBooleans() {
        assertEquals(Optional.of(5e-4), ValueType.DOUBLE.parse("5e-4"));
        assertEquals(Optional.empty(), ValueType.DOUBLE.parse("Infinity"));
        assertEquals(Optional.of(true), ValueType.BOOLEAN.parse("TRUE"));
        assertEquals(Optional.empty(), ValueType.BOOLEAN.parse("yes"));
        assertEquals(Optional.of("local[*]"), ValueType.STRING.parse("local[*]"));
    }

    @Test
    void rendersDecimalsAsPeopleTypeThem() {
        assertEquals("0.0005", ValueType.render(5e-4));
        assertEquals("10", ValueType.render(10.0));
        assertEquals("0", ValueType.render(0.0));
        assertEquals("42", ValueType.render(42L));
    }
}
