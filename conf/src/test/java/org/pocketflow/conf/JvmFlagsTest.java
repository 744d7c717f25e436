package org.pocketflow.conf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JvmFlagsTest {

    @Test
    void flagsComeFromThePomPropertyOnePerElement() {
        assertTrue(JvmFlags.list().contains("--add-opens=java.base/java.lang=ALL-UNNAMED"), JvmFlags.list()::toString);
        assertTrue(JvmFlags.list().contains("-Dorg.eclipse.deeplearning4j.helpers.disable=false"));
        JvmFlags.list().forEach(flag -> {
            assertFalse(flag.isBlank() || flag.contains(" ") || flag.contains("${"), flag);
            assertTrue(flag.startsWith("-"), flag);
        });
    }

    @Test
    void joinedIsTheListSeparatedBySpaces() {
        assertEquals(String.join(" ", JvmFlags.list()), JvmFlags.joined());
    }

    @Test
    void testJvmRunsWithTheSameFlags() {
        // surefire's argLine uses pf.jvm.flags too, so every flag is visible to this JVM.
        var arguments = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments();
        assertTrue(arguments.containsAll(JvmFlags.list()), arguments::toString);
    }
}
