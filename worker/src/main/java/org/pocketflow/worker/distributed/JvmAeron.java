package org.pocketflow.worker.distributed;

import org.pocketflow.qsgd.ps.transport.AeronRuntime;

/**
 * The one {@link AeronRuntime} of this JVM, shared by the parameter server and every worker task
 * that runs here (a local-mode driver runs both), started on first use; when the JVM exits its
 * directory is deleted but nothing is closed, since a server or task thread may still be polling
 * ({@link AeronRuntime#deleteDirectoryAtExit()}). Endpoints made from it belong to their callers,
 * who close them.
 */
public final class JvmAeron {
    private static AeronRuntime runtime;

    private JvmAeron() {
    }

    /** The runtime, started now if this JVM has none yet. */
    public static synchronized AeronRuntime get() {
        if (runtime == null) {
            AeronRuntime r = new AeronRuntime();
            r.deleteDirectoryAtExit();
            runtime = r;
        }
        return runtime;
    }
}
