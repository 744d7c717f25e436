package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.worker.export.PackedModelFile;

import com.fasterxml.jackson.databind.JsonNode;

/** A Keras HDF5 model as pocketflow.model.path: compressed like any user model, or refused before any work. */
class KerasModelJobTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";
    /** Written by worker/src/test/resources/keras/make_keras_models.py. */
    private static final Path KERAS = Path.of("../worker/src/test/resources/keras").toAbsolutePath().normalize();

    @Test
    void compressionJobRunsOnAKerasModel(@TempDir Path tmp) throws Exception {
        boolean present = Files.isDirectory(Path.of(DATA));
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(present, "Fashion-MNIST must be installed in CI");
        }
        assumeTrue(present, "Fashion-MNIST not installed");
        Path runDir = tmp.resolve("keras-run");
        Cli.Outcome o = Cli.run("run", "--conf", "pocketflow.spark.master=local[1]", "--conf", "pocketflow.run.dir=" + runDir,
                "--conf", "pocketflow.model.path=" + KERAS.resolve("keras-sequential-cnn.h5"),
                "--conf", "pocketflow.data.train-limit=2000", "--conf", "pocketflow.data.test-limit=500",
                "--conf", "pocketflow.eval.latency-iterations=2", "--conf", "pocketflow.learn.algorithm=uniform-quant",
                "--conf", "pocketflow.learn.average-bits=8", "--conf", "pocketflow.learn.fine-tune-epochs=1",
                "--conf", "pocketflow.seed=3");
        assertEquals(0, o.code(), o.err());
        JsonNode report = Json.MAPPER.readTree(runDir.resolve("report.json").toFile());
        JsonNode b = report.get("baseline");
        assertEquals(6810, b.get("parameters").asLong(), "the Keras model's parameters");
        assertEquals(0, b.get("epochs").size(), "a given model is evaluated, not trained");
        JsonNode c = b.get("compressed");
        assertEquals("uniform-8", c.at("/encodings/conv1_W").asText(), c.toString());
        assertEquals("uniform-8", c.at("/encodings/dense_W").asText(), c.toString());
        assertTrue(c.get("testAccuracy").asDouble() > b.get("testAccuracy").asDouble() + 0.2,
                "fine-tuning the random Keras weights learns: " + b.get("testAccuracy") + " -> " + c.get("testAccuracy"));
        assertEquals(1, c.get("fineTuneEpochs").size());
        assertEquals(6810, PackedModelFile.read(runDir.resolve("model.pfpk").toUri().toString()).toGraph().numParams());
        assertTrue(Files.exists(runDir.resolve("report.html")));
    }

    @Test
    void hdf5FileThatIsNoKerasModelExitsWithCode2NamingKeyAndFile(@TempDir Path tmp) {
        Path bad = KERAS.resolve("not-a-keras-model.h5");
        Cli.Outcome o = Cli.run("run", "--conf", "pocketflow.model.path=" + bad, "--conf", "pocketflow.run.root=" + tmp);
        assertEquals(2, o.code(), o.out() + o.err());
        assertTrue(o.err().contains("pocketflow.model.path") && o.err().contains(bad.toString())
                && o.err().contains("model_config") && o.err().contains("Fix:"), o.err());
        assertFalse(o.err().contains("\tat "), "no stack trace: " + o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
        assertTrue(tmp.toFile().list().length == 0, "no run directory for a bad job");
    }
}
