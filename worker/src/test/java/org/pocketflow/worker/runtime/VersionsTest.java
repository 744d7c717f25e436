package org.pocketflow.worker.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** Provenance versions are gathered from the build and the jars, not typed in. */
class VersionsTest {
    @Test
    void theProjectVersionAndCommitComeFromTheBuild() throws Exception {
        Map<String, String> v = Versions.runtime();
        var pom = new java.io.File("pom.xml");
        String declared = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom)
                .getElementsByTagName("version").item(0).getTextContent();
        assertEquals(declared, v.get("pocketflow.version"));
        var git = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
        String head = new String(git.getInputStream().readAllBytes()).strip();
        if (git.waitFor() == 0) { // built from this checkout just before the tests
            assertTrue(v.get("pocketflow.commit").matches(head + "(-dirty)?"), v.get("pocketflow.commit") + " vs " + head);
        } else {
            assertEquals(Versions.UNKNOWN, v.get("pocketflow.commit"));
        }
    }

    @Test
    void libraryVersionsAreReadFromTheJars() {
        Map<String, String> v = Versions.runtime();
        assertEquals("1.0.0-M2", v.get("dl4j.version"));
        assertEquals("1.0.0-M2", v.get("nd4j.version"));
        assertTrue(v.get("hadoop.version").startsWith("3."), v.get("hadoop.version"));
        assertEquals(Versions.UNKNOWN, Versions.library("org.example", "absent", Versions.class));
    }
}
