package org.pocketflow.worker.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J native backend of this JVM: switches oneDNN kernels for DL4J layers on or off and
 * describes the backend for provenance.
 *
 * <p>Call {@link #configure(boolean)} once per JVM before building networks (layers pick their
 * helper when they are initialised). Two things must hold for DL4J 1.0.0-M2 layers to use oneDNN:
 * helpers allowed ({@code -Dorg.eclipse.deeplearning4j.helpers.disable=false}, part of the
 * project's JVM flags, and re-asserted here) and the {@link org.nd4j.nativeblas.Nd4jCpu} shim on
 * the classpath.
 */
public final class Backend {
    private Backend() {
    }

    /**
     * Turns oneDNN on or off for layers created after this call.
     *
     * @return whether DL4J layers will now use oneDNN helpers
     */
    public static synchronized boolean configure(boolean onednn) {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        var env = org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance();
        env.allowHelpers(onednn);
        env.setUseONEDNN(onednn);
        Nd4j.getEnvironment().allowHelpers(onednn);
        return onednnActive();
    }

    /** Whether DL4J's own check ({@code BaseMKLDNNHelper.mklDnnEnabled}) now says yes. */
    public static boolean onednnActive() {
        return Nd4j.getEnvironment().helpersAllowed() && BaseMKLDNNHelper.mklDnnEnabled();
    }

    /** Backend facts for provenance: library versions, backend, BLAS, threads, oneDNN. */
    public static Map<String, String> describe() {
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        Map<String, String> out = new LinkedHashMap<>();
        out.put("nd4j.backend", String.valueOf(env.getProperty("backend")));
        out.put("blas.vendor", String.valueOf(env.get("blas.vendor")));
        out.put("omp.threads", String.valueOf(env.get("omp.threads")));
        out.put("onednn", String.valueOf(onednnActive()));
        // on the CUDA backend: the GPU this thread computes on, of how many the process sees
        out.put("device", Nd4j.getAffinityManager().getDeviceForCurrentThread() + " of "
                + Nd4j.getAffinityManager().getNumberOfDevices());
        out.put("dl4j.version", Versions.dl4j());
        return out;
    }
}
