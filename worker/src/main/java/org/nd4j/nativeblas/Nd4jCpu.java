package org.nd4j.nativeblas;

/**
 * Compatibility shim that lets DL4J 1.0.0-M2 layers find oneDNN.
 *
 * <p>DL4J's {@code BaseMKLDNNHelper.mklDnnEnabled()} looks up
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment#isUseMKLDNN} by reflection, but nd4j-native
 * 1.0.0-M2 ships that class as {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment}
 * with the method renamed {@code isUseONEDNN}. Without this class every convolution, pooling and
 * batch-norm layer silently falls back to the slow built-in implementation (5.8x slower LeNet
 * training, measured). This class exists only at the old name and delegates to the new one.
 * {@code org.pocketflow.worker.runtime.Backend} verifies it is effective.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** The subset of the native environment that DL4J's helper lookup calls, by its old names. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        public boolean isUseMKLDNN() {
            return native_().isUseONEDNN();
        }

        public void setUseMKLDNN(boolean use) {
            native_().setUseONEDNN(use);
        }

        public boolean helpersAllowed() {
            return native_().helpersAllowed();
        }

        public void allowHelpers(boolean allow) {
            native_().allowHelpers(allow);
        }

        private static org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment native_() {
            return org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance();
        }
    }
}
