package org.pocketflow.worker.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The ND4J native backend of this JVM: switches oneDNN kernels for DL4J layers on or off and
 * describes the backend for provenance.
 *
 * <p>Call {@link #configure(boolean)} once per JVM before building networks (layers pick their
 * helper when they are initialised). Two things must hold for DL4J 1.0.0-M2 layers to use oneDNN:
 * helpers allowed ({@code -Dorg.eclipse.deeplearning4j.helpers.disable=false}, part of the
 * project's JVM flags, and re-asserted here) and the {@link org.nd4j.nativeblas.Nd4jCpu} shim on
 * the classpath.
 *
 * <p>It also sets the calling thread's OpenMP thread count (which oneDNN and ND4J's OpenMP loops
 * use) to {@link #defaultThreads()}: ND4J 1.0.0-M2 sets it to a hard-coded 4 on whichever thread
 * first initialises ND4J, whatever {@code OMP_NUM_THREADS} says, so on a 2-core machine that
 * thread ran oneDNN with four threads spinning against each other. OpenMP keeps this count per
 * thread, so every training or evaluation thread calls {@code configure} before its work.
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
        nativeOps().setOmpNumThreads(defaultThreads());
        var env = org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance();
        env.allowHelpers(onednn);
        env.setUseONEDNN(onednn);
        Nd4j.getEnvironment().allowHelpers(onednn);
        return onednnActive();
    }

    /**
     * OpenMP threads for this JVM's kernels: {@code OMP_NUM_THREADS} when it holds a positive
     * number (the launcher and {@code spark.executorEnv} set it), else the available processors.
     */
    public static int defaultThreads() {
        String env = System.getenv("OMP_NUM_THREADS");
        if (env != null && env.trim().matches("[1-9][0-9]{0,3}")) {
            return Integer.parseInt(env.trim());
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** OpenMP threads the calling thread's kernels now use. */
    public static int threads() {
        return nativeOps().ompGetMaxThreads();
    }

    /**
     * Sets the calling thread's OpenMP thread count, for benchmarks comparing counts; training
     * code uses {@link #configure(boolean)}.
     */
    public static void setThreads(int threads) {
        nativeOps().setOmpNumThreads(threads);
    }

    private static NativeOps nativeOps() {
        Nd4j.getExecutioner(); // loads the backend, which NativeOpsHolder needs first
        return NativeOpsHolder.getInstance().getDeviceNativeOps();
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
        out.put("omp.threads", String.valueOf(threads()));
        out.put("onednn", String.valueOf(onednnActive()));
        // on the CUDA backend: the GPU this thread computes on, of how many the process sees
        out.put("device", Nd4j.getAffinityManager().getDeviceForCurrentThread() + " of "
                + Nd4j.getAffinityManager().getNumberOfDevices());
        out.put("dl4j.version", Versions.dl4j());
        return out;
    }
}
