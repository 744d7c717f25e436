package org.pocketflow.worker.learn;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/** The JVM this project runs on (Linux, glibc, Java 17.0.9 or later) trims the C heap when asked. */
class NativeHeapTest {
    @Test
    void trimsTheCHeapOnLinux() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && Runtime.version().update() >= 9
                || System.getenv("CI") != null, "malloc_trim needs Linux and Java 17.0.9 or later");
        assertTrue(NativeHeap.trim(), "System.trim_native_heap failed on " + Runtime.version());
        assertTrue(NativeHeap.trim(), "a second trim works as well");
    }
}
