package org.pocketflow.worker.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.worker.data.ImageShape;

class ModelFilesTest {
    @Test
    void savedModelLoadsBackWithIdenticalParameters(@TempDir Path tmp) {
        ComputationGraph g = Architecture.MOBILENET.factory().create(new ImageShape(1, 28, 28), 10, 4);
        String uri = tmp.resolve("m.zip").toUri().toString();
        ModelFiles.save(g, uri);
        ComputationGraph back = ModelFiles.load(uri);
        assertEquals(g.params(), back.params());
        assertEquals(g.getConfiguration().toJson(), back.getConfiguration().toJson());
    }

    @Test
    void missingFileNamesTheKeyAndTheFix(@TempDir Path tmp) {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ModelFiles.load(tmp.resolve("none.zip").toUri().toString()));
        assertTrue(e.getMessage().contains("not found") && e.getMessage().contains("pocketflow.model.path"), e.getMessage());
    }

    @Test
    void fileThatIsNotAModelSaysHowToSaveOne(@TempDir Path tmp) throws Exception {
        Path junk = Files.writeString(tmp.resolve("junk.zip"), "this is not a zip");
        var e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.load(junk.toUri().toString()));
        assertTrue(e.getMessage().contains("not a DL4J ComputationGraph zip"), e.getMessage());
    }
}
