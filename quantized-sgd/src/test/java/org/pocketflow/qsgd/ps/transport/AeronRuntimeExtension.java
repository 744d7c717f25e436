package org.pocketflow.qsgd.ps.transport;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real {@link AeronRuntime} (embedded media driver) for a test class: started before its
 * first test and closed after its last. Register it as
 * {@code @RegisterExtension static final AeronRuntimeExtension AERON = new AeronRuntimeExtension();}.
 */
public final class AeronRuntimeExtension implements BeforeAllCallback, AfterAllCallback {
    private AeronRuntime runtime;

    @Override
    public void beforeAll(ExtensionContext context) {
        runtime = new AeronRuntime();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
    }

    /** The running runtime (between the class's first and last test). */
    public AeronRuntime runtime() {
        if (runtime == null) {
            throw new IllegalStateException("the Aeron runtime runs only while the test class does");
        }
        return runtime;
    }
}
