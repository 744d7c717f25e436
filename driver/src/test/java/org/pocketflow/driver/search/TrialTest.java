package org.pocketflow.driver.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.json.JsonMapper;

class TrialTest {
    private static final Point P = new Point(Map.of("x", 0.5));

    @Test
    void objectiveMatchesTheState() {
        assertTrue(Trial.complete(0, P, 0.9).hasObjective());
        assertFalse(Trial.running(1, P).hasObjective());
        assertFalse(Trial.failed(2, P).hasObjective());
        assertTrue(Trial.pruned(3, P, 0.4).hasObjective());
        assertFalse(Trial.pruned(4, P, Double.NaN).hasObjective());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Trial.complete(5, P, Double.NaN));
        assertTrue(e.getMessage().contains("trial 5") && e.getMessage().contains("FAILED"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Trial(6, P, TrialState.RUNNING, 0.3));
        assertThrows(IllegalArgumentException.class, () -> Trial.complete(-1, P, 0.3));
    }

    @Test
    void pointIsAnImmutableCopy() {
        Map<String, Object> m = new HashMap<>(Map.of("x", 0.5));
        Point p = new Point(m);
        m.put("x", 0.7);
        assertEquals(0.5, p.getDouble("x"));
        assertThrows(UnsupportedOperationException.class, () -> p.values().put("y", 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.get("y"));
        assertTrue(e.getMessage().contains("no dimension y"), e.getMessage());
    }

    /** The trial store will write trials as JSON lines: every value type and a missing objective survive a round trip. */
    @Test
    void roundTripsThroughJackson() throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        Point p = new Point(Map.of("ratio", 0.5, "bits", 4, "optimizer", "adam"));
        for (Trial t : List.of(Trial.complete(0, p, 0.91), Trial.failed(1, p), Trial.running(2, p))) {
            Trial back = json.readValue(json.writeValueAsString(t), Trial.class);
            assertEquals(t, back);
            assertEquals(Integer.class, back.params().get("bits").getClass());
            assertEquals(Double.class, back.params().get("ratio").getClass());
        }
    }
}
