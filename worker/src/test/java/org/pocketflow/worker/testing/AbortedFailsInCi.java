package org.pocketflow.worker.testing;

import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * Turns an aborted test (a failed {@code assumeTrue}: data, a tool or a built jar missing) into a
 * failure when {@code CI=true}, where {@code .ci/run} installs everything the tests need, so that a
 * missing install step fails the build instead of skipping the tests that would have caught it.
 * Outside CI an aborted test stays skipped. Registered for every test of the modules that see
 * worker's test classes (worker, driver) through {@code META-INF/services} and
 * {@code junit.jupiter.extensions.autodetection.enabled} in the parent pom's surefire settings.
 */
public final class AbortedFailsInCi implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
    private final BooleanSupplier ci;

    /** Reads {@code CI} from the environment. */
    public AbortedFailsInCi() {
        this(() -> "true".equals(System.getenv("CI")));
    }

    AbortedFailsInCi(BooleanSupplier ci) {
        this.ci = ci;
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        throw underCi(thrown);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        throw underCi(thrown);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        throw underCi(thrown);
    }

    Throwable underCi(Throwable thrown) {
        if (thrown instanceof TestAbortedException && ci.getAsBoolean()) {
            return new AssertionFailedError("aborted under CI=true, where .ci/run installs every prerequisite: "
                    + thrown.getMessage(), thrown);
        }
        return thrown;
    }
}
