package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.model.ModelFiles;

import com.fasterxml.jackson.databind.JsonNode;

class PocketFlowMainTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";

    @Test
    void unknownKeyExitsWithCode2BeforeAnySparkWork(@TempDir Path tmp) {
        Cli.Outcome o = Cli.run("run", "--conf", "pocketflow.train.epoch=3", "--conf", "pocketflow.run.root=" + tmp);
        assertEquals(2, o.code());
        assertTrue(o.err().contains("pocketflow.train.epoch") && o.err().contains("pocketflow.train.epochs"), o.err());
        assertTrue(isEmpty(tmp), "no run directory may be created for a bad job");
    }

    @Test
    void missingDataFolderExitsWithCode2AndInstallHint(@TempDir Path tmp) {
        Cli.Outcome o = Cli.run("run", "--conf", "pocketflow.data.uri=file://" + tmp.resolve("nowhere"),
                "--conf", "pocketflow.run.root=" + tmp);
        assertEquals(2, o.code());
        assertTrue(o.err().contains("pocketflow.data.uri") && o.err().contains("nowhere"), o.err());
    }

    @Test
    void unreachablePruningTargetOnAUserModelExitsWithCode2NamingTheLayerBeforeAnySparkWork(@TempDir Path tmp) {
        boolean present = Files.isDirectory(Path.of(DATA));
        assertTrue(present || !"true".equals(System.getenv("CI")), "Fashion-MNIST missing at " + DATA);
        assumeTrue(present, "Fashion-MNIST not installed");
        Path zip = tmp.resolve("user.zip");
        ModelFiles.save(subsetNetwork(), zip.toUri().toString());
        Path runs = tmp.resolve("runs");
        Cli.Outcome o = Cli.run("run", "--conf", "pocketflow.learn.algorithm=channel-pruning",
                "--conf", "pocketflow.learn.mac-fraction=0.6", "--conf", "pocketflow.model.path=" + zip,
                "--conf", "pocketflow.run.root=" + runs);
        assertEquals(2, o.code(), o.out() + o.err());
        assertTrue(o.err().contains("pocketflow.learn.mac-fraction = 0.6") && o.err().contains("layer(s) pw")
                && o.err().contains("vertex sub (SubsetVertex)") && o.err().contains("smallest reachable fraction is "
                + "1.0000") && o.err().contains("set pocketflow.learn.keep-first-conv = false"), o.err());
        assertEquals(1, o.err().strip().lines().count(), "one line, no stack trace: " + o.err());
        assertTrue(!Files.exists(runs), "no run directory may be created for a bad job");
    }

    /** conv "stem" (16) → conv "pw" (16) → global pooling → SubsetVertex "sub" (features 0..7) → output. */
    private static ComputationGraph subsetNetwork() {
        var g = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(1)
                .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same).graphBuilder().addInputs("input")
                .addLayer("stem", new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(16).build(),
                        "input")
                .addLayer("pw", new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(1, 1).nOut(16).build(),
                        "stem")
                .addLayer("gap", new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer(), "pw")
                .addVertex("sub", new org.deeplearning4j.nn.conf.graph.SubsetVertex(0, 7), "gap")
                .addLayer("output", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(10)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "sub")
                .setOutputs("output")
                .setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(28, 28, 1));
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    @Test
    void badUsageExitsWithCode2() {
        assertEquals(2, Cli.run().code());
        assertEquals(2, Cli.run("run", "--conf").code());
        assertEquals(2, Cli.run("train").code());
    }

    @Test
    void jobRunsEndToEndInLocalModeAndWritesRunDirectory(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        Path runDir = tmp.resolve("run1");
        Cli.Outcome o = Cli.run("run", "--conf", "pocketflow.spark.master=local[2]",
                "--conf", "pocketflow.run.dir=" + runDir,
                "--conf", "pocketflow.data.train-limit=3000", "--conf", "pocketflow.data.test-limit=1000",
                "--conf", "pocketflow.train.epochs=1", "--conf", "pocketflow.eval.latency-iterations=5",
                "--conf", "pocketflow.seed=7");
        assertEquals(0, o.code(), o.err());
        assertTrue(Files.exists(runDir.resolve("model.zip")));
        assertTrue(Files.exists(runDir.resolve("job.conf")));
        JsonNode report = Json.MAPPER.readTree(runDir.resolve("report.json").toFile());
        assertEquals("succeeded", report.get("status").asText());
        assertEquals(JobRunner.REPORT_FORMAT, report.get("format").asText());
        JsonNode b = report.get("baseline");
        double accuracy = b.get("testAccuracy").asDouble();
        assertTrue(accuracy > 0.65, "one epoch on 2.7k images should exceed 65%: " + accuracy);
        assertEquals(431_080, b.get("parameters").asLong());
        assertEquals(2_293_000, b.get("macs").asLong());
        assertTrue(b.at("/latency/batch64Millis").asDouble() > 0);
        JsonNode prov = report.get("provenance");
        assertEquals(7, prov.get("seed").asLong());
        assertEquals(64, prov.get("datasetSha256").asText().length());
        assertTrue(prov.at("/versions/spark.version").asText().startsWith("3.5"));
        assertEquals("3000", prov.at("/config/pocketflow.data.train-limit").asText());

        // the written model loads back and gives the reported accuracy
        ComputationGraph g = ModelFiles.load(runDir.resolve("model.zip").toUri().toString());
        IdxDataset data = IdxDataset.open("file://" + DATA, 3000, 1000);
        Normalizer norm = BaselineRequests.normalizer(b);
        assertEquals(accuracy, Evaluator.evaluate(g, data.test().batchesInOrder(256, norm)).accuracy(), 1e-9);

        // a user's model (here: the one just written) is evaluated, not trained
        Path second = tmp.resolve("run-given-model");
        Cli.Outcome o2 = Cli.run("run", "--conf", "pocketflow.spark.master=local[1]", "--conf", "pocketflow.run.dir=" + second,
                "--conf", "pocketflow.model.path=" + runDir.resolve("model.zip"),
                "--conf", "pocketflow.data.train-limit=3000", "--conf", "pocketflow.data.test-limit=1000",
                "--conf", "pocketflow.eval.latency-iterations=5", "--conf", "pocketflow.seed=7");
        assertEquals(0, o2.code(), o2.err());
        JsonNode b2 = Json.MAPPER.readTree(second.resolve("report.json").toFile()).get("baseline");
        assertEquals(0, b2.get("epochs").size());
        assertEquals(accuracy, b2.get("testAccuracy").asDouble(), 1e-9);
    }

    @Test
    void compressionJobWritesAPackedModelThatLoadsBackWithTheReportedAccuracy(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        Path runDir = tmp.resolve("run-compressed");
        Cli.Outcome o = Cli.run("run", "--conf", "pocketflow.spark.master=local[2]", "--conf", "pocketflow.run.dir=" + runDir,
                "--conf", "pocketflow.data.train-limit=3000", "--conf", "pocketflow.data.test-limit=1000",
                "--conf", "pocketflow.train.epochs=1", "--conf", "pocketflow.eval.latency-iterations=5",
                "--conf", "pocketflow.learn.algorithm=channel-pruning+uniform-quant",
                "--conf", "pocketflow.learn.mac-fraction=0.5", "--conf", "pocketflow.learn.average-bits=8",
                "--conf", "pocketflow.learn.activation-bits=8", "--conf", "pocketflow.learn.channel-selector=lasso",
                "--conf", "pocketflow.learn.allocation=latency",
                "--conf", "pocketflow.learn.fine-tune-epochs=1", "--conf", "pocketflow.seed=7");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("compressed model channel-pruning+uniform-quant"), o.out());
        JsonNode report = Json.MAPPER.readTree(runDir.resolve("report.json").toFile());
        JsonNode c = report.at("/baseline/compressed");
        assertEquals("channel-pruning+uniform-quant", c.get("learner").asText());
        assertTrue(c.get("macs").asLong() <= 2_293_000 / 2, c.toString());
        assertEquals(8.0, c.at("/settings/uniform-quant:fc1").asDouble());
        assertEquals("uniform-8", c.at("/encodings/fc1_W").asText());
        long zipBytes = report.at("/baseline/serializedBytes").asLong();
        assertTrue(c.get("packedBytes").asLong() < zipBytes / 6, c.get("packedBytes") + " vs zip " + zipBytes);
        assertTrue(c.get("testAccuracy").asDouble() > 0.6, c.toString());

        var packed = org.pocketflow.worker.export.PackedModelFile.read(runDir.resolve("model.pfpk").toUri().toString());
        assertEquals(report.at("/provenance/datasetSha256").asText(), packed.provenance().get("dataset-sha256"));
        assertEquals("7", packed.provenance().get("seed"));
        assertEquals("latency", packed.provenance().get("allocation"));
        IdxDataset data = IdxDataset.open("file://" + DATA, 3000, 1000);
        JsonNode b = report.get("baseline");
        Normalizer norm = BaselineRequests.normalizer(b);
        assertEquals(c.get("testAccuracy").asDouble(),
                Evaluator.evaluate(packed.toGraph(), data.test().batchesInOrder(256, norm)).accuracy(), 1e-9);
        var inference = org.pocketflow.worker.model.ModelFiles.load(c.get("inferenceFile").asText());
        assertEquals(c.get("testAccuracy").asDouble(),
                Evaluator.evaluate(inference, data.test().batchesInOrder(256, norm)).accuracy(), 1e-9);
        assertTrue(c.at("/inferenceLatency/batch64Millis").asDouble() > 0, c.toString());
    }

    @Test
    void failedJobStillLeavesReportWithTheError(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        Path runDir = tmp.resolve("run2");
        // a learning rate this large makes the loss NaN within a few steps
        Cli.Outcome o = Cli.run("run", "--conf", "pocketflow.spark.master=local[1]", "--conf", "pocketflow.run.dir=" + runDir,
                "--conf", "pocketflow.data.train-limit=640", "--conf", "pocketflow.data.test-limit=100",
                "--conf", "pocketflow.train.epochs=1", "--conf", "pocketflow.train.learning-rate=10",
                "--conf", "pocketflow.train.lr-schedule=constant", "--conf", "pocketflow.train.momentum=0.99",
                "--conf", "spark.task.maxFailures=1");
        assertEquals(1, o.code(), o.out() + o.err());
        JsonNode report = Json.MAPPER.readTree(runDir.resolve("report.json").toFile());
        assertEquals("failed", report.get("status").asText());
        assertTrue(report.get("error").asText().contains("learning-rate"), report.get("error").asText());
        // the terminal gets one line with the reason and where the trace is; the trace is in driver.log
        assertEquals(1, o.err().strip().lines().count(), o.err());
        assertTrue(o.err().contains("learning-rate") && o.err().contains("driver.log"), o.err());
        assertTrue(Files.readString(runDir.resolve("driver.log")).contains("\tat "));
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (java.io.IOException e) {
            return false;
        }
    }

}
