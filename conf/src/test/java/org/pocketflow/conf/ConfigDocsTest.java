package org.pocketflow.conf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigDocsTest {

    @Test
    void generatedFilesAreUpToDate() throws IOException {
        Path root = ConfigDocs.repoRoot();
        String stale = " is stale. Fix: regenerate it from the repository root with " + ConfigDocs.REGENERATE_COMMAND;
        assertEquals(ConfigDocs.markdown(), Files.readString(root.resolve(ConfigDocs.MARKDOWN)),
                ConfigDocs.MARKDOWN + stale);
        assertEquals(ConfigDocs.referenceConf(), Files.readString(root.resolve(ConfigDocs.REFERENCE_CONF)),
                ConfigDocs.REFERENCE_CONF + stale);
    }

    @Test
    void tableHasARowPerKeyWithItsAllowedValues() {
        String md = ConfigDocs.markdown();
        for (ConfigKey<?> key : ConfigKeys.all()) {
            assertTrue(md.contains("| `" + key.name() + "` | " + key.type().label() + " |"), key.name());
        }
        assertTrue(md.contains("| [1, 1000] |"));
        assertTrue(md.contains("| one of lenet, resnet20, mobilenet, resnet18, resnet50, mobilenet-v1, mobilenet-v1-0.5 |"));
        assertTrue(md.contains(ConfigDocs.REGENERATE_COMMAND));
    }

    @Test
    void mainWritesBothFilesUnderTheGivenRoot(@TempDir Path root) throws IOException {
        ConfigDocs.main(new String[] {root.toString()});
        assertEquals(ConfigDocs.markdown(), Files.readString(root.resolve(ConfigDocs.MARKDOWN)));
        assertEquals(ConfigDocs.referenceConf(), Files.readString(root.resolve(ConfigDocs.REFERENCE_CONF)));
    }
}
