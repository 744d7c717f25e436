package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.eval.Evaluator;
import org.pocketflow.worker.export.PackedModelFile;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.train.ImageSetEpochs;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code pocketflow.data.normalization} through real jobs: a user's LeNet trained on pixels scaled
 * to [0, 1] and saved with its DL4J normalizer is evaluated at its true accuracy by default, each
 * mode scales as documented, a wrong scaling gets the near-chance warning, and bad per-channel
 * values are refused before Spark starts.
 */
class NormalizationJobTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";
    private static final int TRAIN = 3000;
    private static final int TEST = 1000;

    @TempDir
    static Path shared;
    private static Path userModel;
    private static double trueAccuracy;

    @BeforeAll
    static void trainAUserModelOnUnitScaledPixels() throws Exception {
        if (!Files.isDirectory(Path.of(DATA))) {
            if ("true".equals(System.getenv("CI"))) {
                fail("Fashion-MNIST is missing at " + DATA + "; .ci/run installs dataset-fashion-mnist");
            }
            assumeTrue(false, "Fashion-MNIST not installed");
        }
        IdxDataset data = IdxDataset.open("file://" + DATA, TRAIN, TEST);
        TrainingSpec spec = new TrainingSpec(1, 64, 0.02, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, 3, 1000);
        ComputationGraph g = Architecture.LENET.factory().create(data.shape(), data.classes(), 3);
        g = Trainer.withOptimizer(g, spec, data.train().batchCount(64));
        new Trainer(spec, line -> { }).fit(g, new ImageSetEpochs(data.train(), Normalizer.UNIT, 64, 3));
        trueAccuracy = Evaluator.evaluate(g, data.test().batchesInOrder(256, Normalizer.UNIT)).accuracy();
        userModel = shared.resolve("user-model.zip");
        // as a DL4J user saves it: plain ModelSerializer, no Hadoop checksum file beside it
        ModelSerializer.writeModel(g, userModel.toFile(), true);
        ModelSerializer.addNormalizerToModel(userModel.toFile(), new ImagePreProcessingScaler(0, 1));
    }

    private static Cli.Outcome job(Path runDir, String... conf) {
        List<String> args = new ArrayList<>(List.of("run", "--conf", "pocketflow.spark.master=local[1]",
                "--conf", "pocketflow.run.dir=" + runDir, "--conf", "pocketflow.data.train-limit=" + TRAIN,
                "--conf", "pocketflow.data.test-limit=" + TEST, "--conf", "pocketflow.eval.latency-iterations=2",
                "--conf", "pocketflow.eval.latency-warmup=1", "--conf", "pocketflow.seed=7"));
        return Cli.run(Cli.withConf(args, conf));
    }

    private static JsonNode baseline(Path runDir) throws Exception {
        return Cli.report(runDir).get("baseline");
    }

    @Test
    void theNormalizerStoredInTheUsersZipIsTheDefaultAndGivesTheTrueAccuracy(@TempDir Path tmp) throws Exception {
        assertTrue(trueAccuracy > 0.6, "the user's model must have learned something: " + trueAccuracy);
        Cli.Outcome o = job(tmp.resolve("stored"), "pocketflow.model.path=" + userModel);
        assertEquals(0, o.code(), o.err());
        JsonNode b = baseline(tmp.resolve("stored"));
        assertEquals(trueAccuracy, b.get("testAccuracy").asDouble(), 1e-9);
        assertEquals("dl4j:ImagePreProcessingScaler", b.at("/normalization/source").asText());
        assertEquals(255.0, b.at("/normalization/rawStd/0").asDouble(), 1e-9);
        assertEquals(0, b.get("warnings").size(), b.toString());
    }

    @Test
    void eachModeScalesAsDocumented(@TempDir Path tmp) throws Exception {
        Cli.Outcome unit = job(tmp.resolve("unit"), "pocketflow.model.path=" + userModel,
                "pocketflow.data.normalization=unit");
        assertEquals(0, unit.code(), unit.err());
        assertEquals(trueAccuracy, baseline(tmp.resolve("unit")).get("testAccuracy").asDouble(), 1e-9);
        assertEquals("unit", baseline(tmp.resolve("unit")).at("/normalization/source").asText());

        // mean 0, std 1 on the x/255 scale is x/255 again
        Cli.Outcome meanStd = job(tmp.resolve("mean-std"), "pocketflow.model.path=" + userModel,
                "pocketflow.data.normalization=mean-std", "pocketflow.data.mean=0", "pocketflow.data.std=1");
        assertEquals(0, meanStd.code(), meanStd.err());
        assertEquals(trueAccuracy, baseline(tmp.resolve("mean-std")).get("testAccuracy").asDouble(), 1e-9);

        // fit: the mean/std of the training split, as the project always did
        Cli.Outcome fit = job(tmp.resolve("fit"), "pocketflow.model.path=" + userModel,
                "pocketflow.data.normalization=fit");
        assertEquals(0, fit.code(), fit.err());
        JsonNode f = baseline(tmp.resolve("fit"));
        assertEquals("fit", f.at("/normalization/source").asText());
        assertEquals(0.286, f.at("/normalization/mean/0").asDouble(), 0.02);

        // none: the raw values; a ReLU network is nearly scale-free, so this one still beats chance
        Cli.Outcome none = job(tmp.resolve("none"), "pocketflow.model.path=" + userModel,
                "pocketflow.data.normalization=none");
        assertEquals(0, none.code(), none.err());
        JsonNode n = baseline(tmp.resolve("none"));
        assertEquals(1.0, n.at("/normalization/rawStd/0").asDouble(), 1e-12);
        assertEquals(0, n.get("warnings").size(), n.toString());
    }

    @Test
    void aModelScoringNearChanceGetsAWarningNamingTheKey(@TempDir Path tmp) throws Exception {
        // a scaling that flattens every image to almost zero: the network answers one class for all,
        // which is exactly chance on the class-balanced validation split
        Cli.Outcome o = job(tmp.resolve("flat"), "pocketflow.model.path=" + userModel,
                "pocketflow.data.normalization=mean-std", "pocketflow.data.mean=0", "pocketflow.data.std=1e9");
        assertEquals(0, o.code(), o.err());
        JsonNode b = baseline(tmp.resolve("flat"));
        assertEquals(0.1, b.get("validationAccuracy").asDouble(), 1e-9);
        assertEquals(1, b.get("warnings").size(), b.toString());
        assertTrue(b.at("/warnings/0").asText().contains("pocketflow.data.normalization"), b.toString());
        assertTrue(o.out().contains("WARNING") && o.out().contains("pocketflow.data.normalization"), o.out());
    }

    @Test
    void aCompressedModelRecordsItsScalingInThePackedFile(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("compressed");
        Cli.Outcome o = job(run, "pocketflow.model.path=" + userModel, "pocketflow.learn.algorithm=uniform-quant",
                "pocketflow.learn.average-bits=8", "pocketflow.learn.fine-tune-epochs=0");
        assertEquals(0, o.code(), o.err());
        var packed = PackedModelFile.read(run.resolve("model.pfpk").toUri().toString());
        assertEquals("dl4j:ImagePreProcessingScaler", packed.provenance().get("normalization"));
        assertEquals("0.0", packed.provenance().get("normalization-raw-mean"));
        assertEquals("255.0", packed.provenance().get("normalization-raw-std"));
        JsonNode c = baseline(run).get("compressed");
        assertTrue(Math.abs(c.get("testAccuracy").asDouble() - trueAccuracy) < 0.02, c.toString());
    }

    @Test
    void meanAndStdOfTheWrongLengthAreRefusedWithExitCode2(@TempDir Path tmp) {
        Cli.Outcome rgb = job(tmp.resolve("rgb"), "pocketflow.data.normalization=mean-std",
                "pocketflow.data.mean=0.485,0.456,0.406", "pocketflow.data.std=0.229,0.224,0.225");
        assertEquals(2, rgb.code(), rgb.err());
        assertTrue(rgb.err().contains("pocketflow.data.mean") && rgb.err().contains("1 channel"), rgb.err());
        assertFalse(rgb.err().contains("\tat "), "no stack trace: " + rgb.err());
        assertFalse(Files.exists(tmp.resolve("rgb")), "nothing may start for a bad job");

        Cli.Outcome uneven = job(tmp.resolve("uneven"), "pocketflow.data.normalization=mean-std",
                "pocketflow.data.mean=0.5", "pocketflow.data.std=0.2,0.3");
        assertEquals(2, uneven.code(), uneven.err());
        assertTrue(uneven.err().contains("pocketflow.data.std"), uneven.err());

        Cli.Outcome ignored = job(tmp.resolve("ignored"), "pocketflow.data.mean=0.5", "pocketflow.data.std=0.2");
        assertEquals(2, ignored.code(), ignored.err());
        assertTrue(ignored.err().contains("pocketflow.data.normalization = fit ignores them"), ignored.err());

        Cli.Outcome zero = job(tmp.resolve("zero"), "pocketflow.data.normalization=mean-std",
                "pocketflow.data.mean=0.5", "pocketflow.data.std=0");
        assertEquals(2, zero.code(), zero.err());
        assertTrue(zero.err().contains("pocketflow.data.std") && zero.err().contains("> 0"), zero.err());
    }
}
