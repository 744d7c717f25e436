package org.pocketflow.driver.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class SuccessiveHalvingEarlyStopperTest {
    @Test
    void rungsEndAtPowersOfEta() {
        SuccessiveHalvingEarlyStopper sh = new SuccessiveHalvingEarlyStopper(3, 3);
        assertEquals(1 / 9.0, sh.rungEnd(0), 1e-12);
        assertEquals(1 / 3.0, sh.rungEnd(1), 1e-12);
        assertEquals(1.0, sh.rungEnd(2), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> sh.rungEnd(3));
    }

    @Test
    void promotesTheBestOneOverEtaOfTheTrialsAtTheRung() {
        SuccessiveHalvingEarlyStopper sh = new SuccessiveHalvingEarlyStopper(2, 2);
        assertTrue(sh.promote(0, 0.5, List.of(0.5)), "the first trial at a rung goes on");
        assertFalse(sh.promote(0, 0.4, List.of(0.5, 0.4)));
        assertTrue(sh.promote(0, 0.6, List.of(0.5, 0.4, 0.6)));
        // four trials, eta 2: the best two go on
        assertTrue(sh.promote(0, 0.55, List.of(0.5, 0.4, 0.6, 0.55)));
        assertFalse(sh.promote(0, 0.45, List.of(0.5, 0.4, 0.6, 0.55, 0.45)));
        assertThrows(IllegalArgumentException.class, () -> sh.promote(1, 0.5, List.of(0.5)));
    }

    @Test
    void nopStopperHasOneRungAndParetoFrontDropsDominatedTrials() {
        assertEquals(1, new NopEarlyStopper().rungs());
        assertEquals(1.0, new NopEarlyStopper().rungEnd(0));
        var a = JsonLinesTrialStoreTest.result(0, 0, 0.9);  // macs 1000
        var b = JsonLinesTrialStoreTest.result(1, 0, 0.8);  // macs 1001: worse on both
        var c = JsonLinesTrialStoreTest.result(2, 0, 0.95); // macs 1002: more accurate, more MACs
        assertTrue(ParetoFront.dominates(a, b));
        assertFalse(ParetoFront.dominates(a, c));
        var records = List.of(rec(a), rec(b), rec(c));
        assertEquals(List.of(2, 0), ParetoFront.of(records).stream().map(TrialRecord::trial).toList());
    }

    private static TrialRecord rec(org.pocketflow.worker.task.TrialResult r) {
        return new TrialRecord(r.trial(), org.pocketflow.driver.search.TrialState.COMPLETE, 0,
                java.util.Map.of("x", 0.5), r.validationAccuracy(), "", r, 0, 0);
    }
}
