package org.pocketflow.driver.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.driver.Cli;
import org.pocketflow.driver.Json;
import org.pocketflow.worker.export.PackedModelFile;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Studies whose trials are fine-tuned by two workers each through their own parameter servers:
 * real Spark local mode, real Aeron on loopback, LeNet on a Fashion-MNIST subset.
 */
class TrialsThroughServerTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";

    private static String[] job(Path runDir, String master, String... extra) {
        return Cli.withConf(Cli.subsetJob(runDir, master, "pocketflow.learn.algorithm=channel-pruning",
                "pocketflow.learn.mac-fraction=0.5", "pocketflow.train.batch-size=32", "pocketflow.search.sampler=random",
                "pocketflow.search.parallelism=2", "pocketflow.search.workers-per-trial=2"), extra);
    }

    @Test
    void studiesThatCannotRunAreRefusedBeforeAnySparkWork(@TempDir Path tmp) {
        Cli.Outcome o = Cli.run(job(tmp.resolve("run"), "local[3]"));
        assertEquals(2, o.code(), o.err() + o.out());
        assertTrue(o.err().contains("pocketflow.search.parallelism = 2") && o.err().contains("pocketflow.search"
                + ".workers-per-trial = 2") && o.err().contains("the cluster has 3"), o.err());
        assertTrue(!Files.exists(tmp.resolve("run")), "no run directory for a refused study");
        Cli.Outcome fin = Cli.run(job(tmp.resolve("run"), "local[4]", "pocketflow.search.final-epochs=1",
                "pocketflow.search.final-workers=5"));
        assertEquals(2, fin.code(), fin.err() + fin.out());
        assertTrue(fin.err().contains("pocketflow.search.final-workers = 5") && fin.err().contains("the cluster has 4"),
                fin.err());
        Cli.Outcome untuned = Cli.run(job(tmp.resolve("run"), "local[4]", "pocketflow.search.final-epochs=1",
                "pocketflow.learn.fine-tune-epochs=0"));
        assertEquals(2, untuned.code(), untuned.err() + untuned.out());
        assertTrue(untuned.err().contains("pocketflow.search.final-epochs = 1"), untuned.err());
        Cli.Outcome noStudy = Cli.run(job(tmp.resolve("run"), "local[4]", "pocketflow.search.sampler=none"));
        assertEquals(2, noStudy.code(), noStudy.err() + noStudy.out());
        assertTrue(noStudy.err().contains("pocketflow.search.workers-per-trial = 2: applies to a study's trials"),
                noStudy.err());
        assertTrue(!Files.exists(tmp.resolve("run")), "no run directory for a refused study");
    }

    @Test
    void trialServersThatOtherHostsReachNeedAuthenticationOrTheOptOut(@TempDir Path tmp) throws Exception {
        String address = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(i -> java.util.Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .map(java.net.InetAddress::getHostAddress).findFirst().orElse(null);
        assertTrue(address != null, "this host has no IPv4 address besides loopback");
        Cli.Outcome o = Cli.run(job(tmp.resolve("run"), "local[4]", "pocketflow.distributed.bind-address=" + address));
        assertEquals(2, o.code(), o.err() + o.out());
        assertTrue(o.err().contains("pocketflow.distributed.allow-unauthenticated") && o.err().contains(address)
                && o.err().contains("spark.authenticate=true"), o.err());
        assertTrue(!o.out().contains("trial 0"), "refused before any trial: " + o.out());
    }

    @Test
    void twoTrialsOnTwoWorkersEachFinishWithTheWinnerRetrainedAndResumeRerunsOnlyTheUnfinished(@TempDir Path tmp)
            throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)) || "true".equals(System.getenv("CI")), "Fashion-MNIST not installed");
        Path runDir = tmp.resolve("study");
        Cli.Outcome o = Cli.run(job(runDir, "local[4]", "pocketflow.search.trials=4",
                "pocketflow.search.early-stopping=successive-halving", "pocketflow.search.halving-rungs=2",
                "pocketflow.search.halving-eta=2", "pocketflow.search.final-epochs=1", "pocketflow.search.final-workers=2"));
        assertEquals(0, o.code(), o.err() + o.out());
        assertTrue(o.out().contains("study: 4/4 done"), o.out());
        assertTrue(o.out().contains("parameter server on 127.0.0.1"), o.out());
        JsonNode report = Cli.report(runDir);
        JsonNode study = report.get("study");
        assertEquals(2, study.get("workersPerTrial").asInt());
        assertEquals(0, study.at("/counts/failed").asLong(), study.toString());
        assertEquals(4, study.at("/counts/complete").asLong() + study.at("/counts/pruned").asLong());
        JsonNode retrained = report.get("finalRetraining");
        assertEquals("COMPLETE", retrained.get("status").asText(), retrained.toString());
        assertEquals(2, retrained.get("workers").asInt());
        assertTrue(retrained.get("samplesPerSecond").asDouble() > 0, retrained.toString());
        assertTrue(retrained.at("/after/checkpoint").asText().endsWith("/final/rung-0.zip"), retrained.toString());
        assertEquals(retrained.at("/before/macs").asLong(), retrained.at("/after/macs").asLong(), "the same network");
        JsonNode best = report.get("compressed");
        assertEquals(retrained.get("testAccuracy").asDouble(), best.get("testAccuracy").asDouble(), 0);
        assertEquals(retrained.at("/after/validationAccuracy").asDouble(), best.get("validationAccuracy").asDouble(), 0);
        assertTrue(best.get("macFraction").asDouble() <= 0.5 + 1e-9, best.toString());
        assertTrue(best.get("testAccuracy").asDouble() > 0.4, "a half-MAC LeNet fine-tuned on two workers (chance 0.1): "
                + best + "\n" + o.out());
        for (String f : List.of("model.pfpk", "compressed.zip", "inference.zip", "model.onnx")) {
            assertTrue(Files.exists(runDir.resolve(f)), f);
        }
        try (var all = Files.walk(runDir)) {
            assertEquals(List.of(), all.filter(f -> f.getFileName().toString().matches("rung-\\d+\\.ps")).toList(),
                    "a finished study leaves no rung checkpoints behind");
        }
        var packed = PackedModelFile.read(runDir.resolve("model.pfpk").toUri().toString());
        assertEquals(String.valueOf(best.get("trial").asInt()), packed.provenance().get("trial"));
        assertTrue(Files.readString(runDir.resolve("report.html")).contains("Final retraining"));

        // an interrupted study: the last trial to finish loses every record after its start, as if the driver had died
        Path store = runDir.resolve("trials.jsonl");
        List<String> lines = Files.readAllLines(store);
        int lastTrial = Json.MAPPER.readTree(lines.get(lines.size() - 1)).at("/record/trial").asInt(-1);
        assumeTrue(lastTrial >= 0, "record layout: " + lines.get(lines.size() - 1));
        List<String> kept = new ArrayList<>();
        boolean startKept = false;
        for (String line : lines) {
            boolean ofLast = Json.MAPPER.readTree(line).at("/record/trial").asInt() == lastTrial;
            if (!ofLast || !startKept) {
                kept.add(line);
                startKept |= ofLast;
            }
        }
        Files.write(store, kept);
        Cli.Outcome r = Cli.run("resume", runDir.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("resuming 1 interrupted trial(s) [" + lastTrial + "]"), r.out());
        JsonNode again = Cli.report(runDir);
        assertEquals(0, again.at("/study/trialsStartedThisSession").asInt(), "no new trial");
        List<String> after = Files.readAllLines(store);
        Set<Integer> rerun = new TreeSet<>();
        for (String line : after.subList(kept.size(), after.size())) {
            rerun.add(Json.MAPPER.readTree(line).at("/record/trial").asInt());
        }
        assertEquals(Set.of(lastTrial), rerun, "only the interrupted trial ran again");
        assertEquals("COMPLETE", again.at("/finalRetraining/status").asText());
    }
}
