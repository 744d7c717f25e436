package org.pocketflow.worker.testing;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class AbortedFailsInCiTest {
    @Test
    void anAbortedTestFailsUnderCi() {
        AbortedFailsInCi handler = new AbortedFailsInCi(() -> true);
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> handler.handleTestExecutionException(
                null, new TestAbortedException("Fashion-MNIST not installed")));
        assertTrue(e.getMessage().contains("Fashion-MNIST not installed"), e.getMessage());
        assertInstanceOf(TestAbortedException.class, e.getCause());
        assertThrows(AssertionFailedError.class, () -> handler.handleBeforeAllMethodExecutionException(
                null, new TestAbortedException("SPARK_HOME")));
    }

    @Test
    void outsideCiItStaysAbortedAndOtherFailuresPassThrough() {
        TestAbortedException aborted = new TestAbortedException("no data");
        assertSame(aborted, new AbortedFailsInCi(() -> false).underCi(aborted));
        IllegalStateException other = new IllegalStateException("boom");
        assertSame(other, new AbortedFailsInCi(() -> true).underCi(other));
    }

    @Test
    void junitLoadsItForEveryTest() {
        // the parent pom's surefire system property that makes JUnit load META-INF/services extensions
        assertTrue(Boolean.getBoolean("junit.jupiter.extensions.autodetection.enabled"),
                "junit.jupiter.extensions.autodetection.enabled is not set for the tests");
    }
}
