package org.pocketflow.worker.distributed;

import org.pocketflow.qsgd.ps.transport.AeronRuntime;

/**
 * The one {@link AeronRuntime} of this JVM, shared by the parameter server and every worker task
 * that runs here (a local-mode driver runs both), started on first use and closed when the JVM
 * exits. Endpoints made from it belong to their callers, who close them.
 */
public final class JvmAeron {
    private static AeronRuntime runtime;

    private JvmAeron() {
    }

    /** The runtime, started now if this JVM has none yet. */
    public static synchronized AeronRuntime get() {
        if (runtime == null) {
            AeronRuntime r = new AeronRuntime();
            Runtime.getRuntime().addShutdownHook(new Thread(r::close, "pocketflow-aeron-close"));
            runtime = r;
        }
        return runtime;
    }
}
