package org.pocketflow.driver.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.driver.Cli;
import org.pocketflow.worker.data.IdxDataset;
import org.pocketflow.worker.data.Normalizer;
import org.pocketflow.worker.data.stream.SyntheticImageFolder;
import org.pocketflow.worker.export.PackedModelFile;
import org.pocketflow.worker.learn.BatchNormNetworks;
import org.pocketflow.worker.learn.BatchNormReestimation;
import org.pocketflow.worker.model.ModelFiles;
import org.pocketflow.worker.train.ImageSetEpochs;
import org.pocketflow.worker.train.Trainer;
import org.pocketflow.worker.train.TrainingSpec;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A study that scores channel-pruning candidates without fine-tuning, on a user network with batch
 * norms, through the command line in local mode: its trials are scored with re-estimated batch
 * norms, and the same study with re-estimation off scores the same candidates near chance.
 */
class BatchNormStudyTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";

    @Test
    void badBatchNormImageCountIsRejectedBeforeAnyWork(@TempDir Path tmp) {
        Cli.Outcome o = Cli.run("run", "--conf", "pocketflow.learn.algorithm=channel-pruning", "--conf",
                "pocketflow.learn.batch-norm-images=-1", "--conf", "pocketflow.run.root=" + tmp.resolve("runs"));
        assertEquals(2, o.code(), o.out() + o.err());
        assertTrue(o.err().contains("pocketflow.learn.batch-norm-images") && o.err().contains("-1"), o.err());
        assertEquals(1, o.err().strip().lines().count(), "one line, no stack trace: " + o.err());
        assertFalse(Files.exists(tmp.resolve("runs")), "no run directory may be created for a bad job");
    }

    @Test
    void studyWithoutFineTuningScoresCandidatesWithReestimatedBatchNorms(@TempDir Path tmp) throws Exception {
        boolean present = Files.isDirectory(Path.of(DATA));
        assertTrue(present || !"true".equals(System.getenv("CI")), "Fashion-MNIST missing at " + DATA);
        assumeTrue(present, "Fashion-MNIST not installed");
        Path zip = tmp.resolve("user.zip");
        ModelFiles.save(trainedNetwork(), zip.toUri().toString());

        JsonNode on = study(tmp.resolve("reestimated"), zip, 256);
        JsonNode off = study(tmp.resolve("stale"), zip, 0);

        Map<Integer, Double> reestimated = accuracies(on.get("study"));
        Map<Integer, Double> stale = accuracies(off.get("study"));
        assertEquals(4, reestimated.size(), on.get("study").toString());
        assertEquals(reestimated.keySet(), stale.keySet());
        double gain = 0;
        java.util.Set<String> candidates = new java.util.HashSet<>();
        for (int trial : reestimated.keySet()) {
            candidates.add(settings(on.get("study"), trial));
            assertEquals(settings(on.get("study"), trial), settings(off.get("study"), trial),
                    "the same seed proposes the same candidates");
            gain += reestimated.get(trial) - stale.get(trial);
        }
        gain /= reestimated.size();
        assertTrue(candidates.size() >= 2, "the search ranks different candidates: " + on.get("study").get("trials"));
        assertTrue(gain > 0.1, "mean gain of re-estimation over " + reestimated.size() + " candidates: " + gain
                + "; re-estimated " + reestimated + ", stale " + stale);
        assertEquals(on.at("/compressed/trial").asInt(), on.at("/study/best/trial").asInt());
        assertTrue(on.at("/compressed/testAccuracy").asDouble() > 0.3, on.get("compressed").toString());

        var packed = PackedModelFile.read(tmp.resolve("reestimated/model.pfpk").toUri().toString());
        assertEquals("5 on 256 training images (adaptive batch norm)",
                packed.provenance().get(BatchNormReestimation.PROVENANCE_KEY), packed.provenance().toString());
        var stalePacked = PackedModelFile.read(tmp.resolve("stale/model.pfpk").toUri().toString());
        assertFalse(stalePacked.provenance().containsKey(BatchNormReestimation.PROVENANCE_KEY));
    }

    @Test
    void aStudyOnAStreamedImageFolderReestimatesTheZooResNetsBatchNorms(@TempDir Path tmp) throws Exception {
        Path folder = tmp.resolve("images");
        SyntheticImageFolder.write(folder, 3, 80, 20, 40, 90, "mixed", 11);
        Path run = tmp.resolve("study");
        Cli.Outcome o = Cli.run("run", "--conf", "pocketflow.spark.master=local[2]", "--conf", "pocketflow.run.dir=" + run,
                "--conf", "pocketflow.data.format=image-folder", "--conf", "pocketflow.data.uri=" + folder,
                "--conf", "pocketflow.data.image-size=32", "--conf", "pocketflow.model.arch=resnet20",
                "--conf", "pocketflow.train.epochs=3", "--conf", "pocketflow.train.batch-size=16",
                "--conf", "pocketflow.eval.latency-iterations=2", "--conf", "pocketflow.eval.latency-warmup=1",
                "--conf", "pocketflow.seed=5", "--conf", "pocketflow.learn.algorithm=channel-pruning",
                "--conf", "pocketflow.learn.mac-fraction=0.5", "--conf", "pocketflow.learn.channel-multiple=1",
                "--conf", "pocketflow.learn.fine-tune-epochs=0", "--conf", "pocketflow.learn.batch-norm-images=100",
                "--conf", "pocketflow.search.trials=2");
        assertEquals(0, o.code(), o.err() + o.out());
        JsonNode r = Cli.report(run);
        assertEquals("tpe", r.at("/study/sampler").asText(), "the default sampler when trials are set");
        assertEquals(2, r.at("/study/counts/complete").asLong(), r.get("study").toString());
        var packed = PackedModelFile.read(run.resolve("model.pfpk").toUri().toString());
        // ResNet-20: a norm after the stem and after each of the 18 convolutions of its 9 blocks, 2 projections
        assertEquals("21 on 100 training images (adaptive batch norm)",
                packed.provenance().get(BatchNormReestimation.PROVENANCE_KEY), packed.provenance().toString());
        double chance = 1.0 / 3;
        for (JsonNode t : r.at("/study/trials")) {
            assertTrue(t.get("validationAccuracy").asDouble() > chance + 0.1,
                    "a half-MAC ResNet-20 scored after re-estimation on the streamed validation split: " + t);
        }
    }

    /** The report of a TPE study of 3 trials plus the uniform one, channel pruning to 60% of the MACs (any
     * channel count: the default multiple of 8 leaves this small network few candidates), no fine-tuning. */
    private static JsonNode study(Path runDir, Path zip, int batchNormImages) throws Exception {
        Cli.Outcome o = Cli.run(Cli.subsetJob(runDir, "local[2]", "pocketflow.learn.algorithm=channel-pruning",
                        "pocketflow.learn.mac-fraction=0.6", "pocketflow.learn.keep-first-conv=false",
                        "pocketflow.learn.channel-multiple=1",
                        "pocketflow.model.path=" + zip, "pocketflow.learn.fine-tune-epochs=0",
                        "pocketflow.learn.batch-norm-images=" + batchNormImages, "pocketflow.search.sampler=tpe",
                        "pocketflow.search.trials=4"));
        assertEquals(0, o.code(), o.err() + o.out());
        return Cli.report(runDir);
    }

    private static Map<Integer, Double> accuracies(JsonNode study) {
        Map<Integer, Double> out = new LinkedHashMap<>();
        for (JsonNode t : study.get("trials")) {
            assertEquals("COMPLETE", t.get("state").asText(), t.toString());
            out.put(t.get("trial").asInt(), t.get("validationAccuracy").asDouble());
        }
        return out;
    }

    private static String settings(JsonNode study, int trial) {
        for (JsonNode t : study.get("trials")) {
            if (t.get("trial").asInt() == trial) {
                return t.get("settings").toString();
            }
        }
        throw new AssertionError("no trial " + trial + " in " + study);
    }

    /** The residual network with batch norms, trained for two epochs on 3,000 Fashion-MNIST images. */
    private static ComputationGraph trainedNetwork() {
        IdxDataset data = IdxDataset.open("file://" + DATA, 3000, 500);
        Normalizer norm = Normalizer.fit(data.train());
        TrainingSpec spec = new TrainingSpec(2, 64, 0.1, 0.9, 5e-4, TrainingSpec.LrSchedule.COSINE, 3, 1000);
        ComputationGraph g = Trainer.withOptimizer(BatchNormNetworks.residual(3), spec, data.train().batchCount(64));
        new Trainer(spec, s -> { }).fit(g, new ImageSetEpochs(data.train(), norm, 64, 3));
        return g;
    }
}
