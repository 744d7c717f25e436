package org.pocketflow.conf;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ValidatorsTest {

    @Test
    void closedRangeAcceptsItsEndsAndSaysBetween() {
        Validator<Integer> range = Validators.range(1, 1000);
        assertEquals(Optional.empty(), range.check(1));
        assertEquals(Optional.empty(), range.check(1000));
        assertEquals(Optional.of("must be between 1 and 1000"), range.check(0));
        assertEquals("[1, 1000]", range.description());
        assertEquals("a value in [1, 1000]", range.requirement());
    }

    @Test
    void halfOpenRangesExcludeTheirOpenEnd() {
        Validator<Double> positive = Validators.openClosed(0.0, 10.0);
        assertEquals(Optional.of("must be in (0, 10]"), positive.check(0.0));
        assertEquals(Optional.empty(), positive.check(10.0));
        Validator<Double> fraction = Validators.closedOpen(0.0, 1.0);
        assertEquals(Optional.empty(), fraction.check(0.0));
        assertEquals(Optional.of("must be in [0, 1)"), fraction.check(1.0));
        assertEquals("[0, 0.5]", Validators.range(0.0, 0.5).description());
        assertEquals(Optional.empty(), Validators.range(-5L, 5L).check(5L));
    }

    @Test
    void oneOfListsTheAllowedValues() {
        Validator<String> arch = Validators.oneOf(List.of("lenet", "resnet20"));
        assertEquals(Optional.empty(), arch.check("lenet"));
        assertEquals(Optional.of("must be one of lenet, resnet20"), arch.check("LeNet"));
        assertEquals("one of lenet, resnet20", arch.requirement());
    }

    @Test
    void locationAcceptsPathsAndUrisButNotBrokenUris() {
        Validator<String> location = Validators.location();
        assertEquals(Optional.empty(), location.check(""));
        assertEquals(Optional.empty(), location.check("runs/a b"));
        assertEquals(Optional.empty(), location.check("hdfs://nn:8020/pf/runs"));
        assertEquals(true, location.check("hdfs://nn:8020/pf runs").isPresent());
    }

    @Test
    void patternAndNonEmptyExplainThemselves() {
        assertEquals(Optional.of("must match [a-z]+"), Validators.matches("[a-z]+").check("A"));
        assertEquals(Optional.of("must not be empty"), Validators.nonEmpty().check(" "));
        assertEquals(Optional.of("must be >= 0"), Validators.atLeast(0).check(-1));
    }
}
