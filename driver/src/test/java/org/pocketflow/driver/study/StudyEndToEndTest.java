package org.pocketflow.driver.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.driver.Cli;
import org.pocketflow.worker.export.PackedModelFile;

import com.fasterxml.jackson.databind.JsonNode;

/** Studies through the command line, on LeNet and a small Fashion-MNIST subset, in local mode. */
class StudyEndToEndTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";

    private static String[] job(Path runDir, String... extra) {
        return Cli.withConf(Cli.subsetJob(runDir, "local[2]", "pocketflow.learn.algorithm=channel-pruning",
                "pocketflow.learn.mac-fraction=0.5"), extra);
    }

    @Test
    void invalidSearchSettingsAreRejectedBeforeAnySparkWork(@TempDir Path tmp) throws Exception {
        Cli.Outcome noLearner = Cli.run("run", "--conf", "pocketflow.search.sampler=tpe",
                "--conf", "pocketflow.run.root=" + tmp);
        assertEquals(2, noLearner.code());
        assertTrue(noLearner.err().contains("pocketflow.search.sampler = tpe")
                && noLearner.err().contains("pocketflow.learn.algorithm"), noLearner.err());
        Cli.Outcome zero = Cli.run("run", "--conf", "pocketflow.search.trials=0", "--conf", "pocketflow.search.sampler=bogus",
                "--conf", "pocketflow.run.root=" + tmp);
        assertEquals(2, zero.code());
        assertTrue(zero.err().contains("pocketflow.search.trials") && zero.err().contains("bogus"), zero.err());
        Cli.Outcome rungs = Cli.run("run", "--conf", "pocketflow.search.sampler=random", "--conf",
                "pocketflow.learn.algorithm=channel-pruning", "--conf", "pocketflow.data.train-limit=100",
                "--conf", "pocketflow.search.early-stopping=successive-halving", "--conf",
                "pocketflow.search.halving-rungs=4", "--conf", "pocketflow.run.root=" + tmp);
        assertEquals(2, rungs.code());
        assertTrue(rungs.err().contains("pocketflow.search.halving-rungs = 4"), rungs.err());
        try (var s = Files.list(tmp)) {
            assertTrue(s.findAny().isEmpty(), "no run directory may be created for a bad study");
        }
        Cli.Outcome resumeNowhere = Cli.run("resume", tmp.resolve("nothing").toString());
        assertEquals(2, resumeNowhere.code());
        assertTrue(resumeNowhere.err().contains("no job.conf"), resumeNowhere.err());
    }

    @Test
    void divergingTrialsAreRecordedFailedWithTheReasonAndEndAHopelessStudy(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        Path runDir = tmp.resolve("hopeless");
        // decoupled weight decay of lr * wd = 5 per step flips and grows every weight: NaN within a few steps
        Cli.Outcome o = Cli.run(job(runDir, "pocketflow.search.sampler=random", "pocketflow.search.trials=4",
                "pocketflow.search.max-failed-trials=2", "pocketflow.learn.fine-tune-learning-rate=10",
                "pocketflow.train.weight-decay=0.5", "pocketflow.train.lr-schedule=constant"));
        assertEquals(1, o.code(), o.out());
        assertTrue(o.err().contains("pocketflow.search.max-failed-trials = 2"), o.err());
        JsonNode report = Cli.report(runDir);
        assertEquals("failed", report.get("status").asText());
        JsonNode study = report.get("study");
        assertEquals(0, study.at("/counts/complete").asLong());
        assertTrue(study.at("/counts/failed").asLong() >= 2, study.toString());
        long diverged = 0;
        for (JsonNode t : study.get("trials")) {
            assertEquals("FAILED", t.get("state").asText(), t.toString());
            if (t.get("reason").asText().contains("training diverged")) {
                diverged++;
                assertTrue(t.get("reason").asText().contains("pocketflow.learn.fine-tune-learning-rate"), t.toString());
            }
        }
        assertTrue(diverged >= 2, study.toString());
        assertTrue(Files.readString(runDir.resolve("trials.jsonl")).contains("training diverged"));
    }

    @Test
    void studyWithTwoParallelTrialsSavesTheBestAndResumesWithoutRedoingTrials(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        Path runDir = tmp.resolve("study");
        Cli.Outcome o = Cli.run(job(runDir, "pocketflow.search.sampler=random", "pocketflow.search.trials=4",
                "pocketflow.search.parallelism=2", "pocketflow.search.early-stopping=successive-halving",
                "pocketflow.search.halving-rungs=2", "pocketflow.search.halving-eta=2"));
        assertEquals(0, o.code(), o.err() + o.out());
        assertTrue(o.out().contains("study: 4/4 done"), o.out());
        JsonNode report = Cli.report(runDir);
        JsonNode study = report.get("study");
        assertEquals(4, study.at("/counts/complete").asLong() + study.at("/counts/pruned").asLong());
        assertEquals(0, study.at("/counts/failed").asLong());
        assertTrue(study.at("/counts/pruned").asLong() >= 1, "eta 2 stops some trial at rung 1: " + study);
        assertTrue(study.at("/counts/complete").asLong() >= 1, study.toString());
        assertTrue(study.get("paretoFront").size() >= 1);
        JsonNode best = report.get("compressed");
        assertTrue(best.get("macFraction").asDouble() <= 0.5 + 1e-9, best.toString());
        double test = best.get("testAccuracy").asDouble();
        assertTrue(test > 0.4, "one fine-tuning epoch of a half-MAC LeNet (chance is 0.1): " + test);
        assertEquals("ok", best.at("/onnx/status").asText(), best.toString());
        assertEquals(test, best.at("/onnx/dl4jAccuracy").asDouble(), 1e-9);
        assertTrue(Math.abs(best.at("/onnx/top1DifferencePoints").asDouble()) <= 0.1, best.toString());
        assertEquals(best.at("/onnx/bytes").asLong(), Files.size(runDir.resolve("model.onnx")));
        assertTrue(Files.exists(runDir.resolve("compressed.zip")));
        var packed = PackedModelFile.read(runDir.resolve("model.pfpk").toUri().toString());
        assertEquals(String.valueOf(best.get("trial").asInt()), packed.provenance().get("trial"));
        assertEquals(org.pocketflow.worker.runtime.Versions.commit(), packed.provenance().get("pocketflow.commit"));
        long started = Files.readAllLines(runDir.resolve("trials.jsonl")).size();
        String jobConf = Files.readString(runDir.resolve("job.conf"));

        // resuming a finished study runs no trial again and reuses the base model
        Cli.Outcome r = Cli.run("resume", runDir.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("resuming: base model"), r.out());
        JsonNode again = Cli.report(runDir).get("study");
        assertEquals(1, again.get("session").asInt());
        assertEquals(0, again.get("trialsStartedThisSession").asInt());
        assertEquals(0, again.get("sparkJobsThisSession").asInt());
        assertEquals(started, Files.readAllLines(runDir.resolve("trials.jsonl")).size());
        assertEquals(jobConf, Files.readString(runDir.resolve("job.conf")), "resume keeps job.conf as it was");
        assertEquals(best.get("trial").asInt(), Cli.report(runDir)
                .at("/compressed/trial").asInt());
    }
}
