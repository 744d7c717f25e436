package org.pocketflow.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.worker.export.PackedModel;
import org.pocketflow.worker.export.PackedModelFile;
import org.pocketflow.worker.export.SparseTensor;
import org.pocketflow.worker.export.TensorEncoding;
import org.pocketflow.worker.export.UniformTensor;
import org.pocketflow.worker.model.ModelFiles;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A compression job without a search whose fine-tuning runs on two workers through a parameter
 * server in the driver ({@code pocketflow.learn.fine-tune-workers}): real Spark local mode, real
 * Aeron on loopback, LeNet on a Fashion-MNIST subset.
 */
class FineTuneThroughServerTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";

    private static String[] job(Path runDir, String master, String... extra) {
        return Cli.withConf(Cli.subsetJob(runDir, master, "pocketflow.learn.algorithm=weight-sparsity",
                "pocketflow.learn.sparsity=0.75", "pocketflow.train.batch-size=32", "pocketflow.distributed.codec=ecq"),
                extra);
    }

    @Test
    void fineTuningsThatCannotRunAreRefusedBeforeAnySparkWork(@TempDir Path tmp) {
        Path run = tmp.resolve("run");
        Cli.Outcome slots = Cli.run(job(run, "local[2]", "pocketflow.learn.fine-tune-workers=3"));
        assertEquals(2, slots.code(), slots.err() + slots.out());
        assertTrue(slots.err().contains("pocketflow.learn.fine-tune-workers = 3 workers need as many task slots")
                && slots.err().contains("the cluster has 2"), slots.err());
        Cli.Outcome study = Cli.run(job(run, "local[2]", "pocketflow.learn.fine-tune-workers=2",
                "pocketflow.search.sampler=random"));
        assertEquals(2, study.code(), study.err() + study.out());
        assertTrue(study.err().contains("pocketflow.learn.fine-tune-workers = 2: applies to a compression job without a"
                + " search") && study.err().contains("pocketflow.search.workers-per-trial = 2"), study.err());
        Cli.Outcome none = Cli.run(job(run, "local[2]", "pocketflow.learn.fine-tune-workers=2",
                "pocketflow.learn.algorithm=none"));
        assertEquals(2, none.code(), none.err() + none.out());
        assertTrue(none.err().contains("pocketflow.learn.algorithm = none"), none.err());
        Cli.Outcome latency = Cli.run(job(run, "local[2]", "pocketflow.learn.fine-tune-workers=2",
                "pocketflow.learn.algorithm=channel-pruning", "pocketflow.learn.allocation=latency"));
        assertEquals(2, latency.code(), latency.err() + latency.out());
        assertTrue(latency.err().contains("pocketflow.learn.allocation = latency"), latency.err());
        assertFalse(Files.exists(run), "no run directory for a refused job");
    }

    @Test
    void twoWorkersFineTuneWithTheSparsityInForceAndOneWorkerStaysLocal(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)) || "true".equals(System.getenv("CI")), "Fashion-MNIST not installed");
        Path runDir = tmp.resolve("w2");
        Cli.Outcome o = Cli.run(job(runDir, "local[2]", "pocketflow.learn.fine-tune-workers=2"));
        assertEquals(0, o.code(), o.err() + o.out());
        assertTrue(o.out().contains("parameter server on 127.0.0.1"), o.out());
        JsonNode report = Cli.report(runDir);
        assertTrue(report.at("/baseline/compressed").isMissingNode() || report.at("/baseline/compressed").isNull(),
                "the base model's task did not compress: " + report.get("baseline"));
        JsonNode c = report.get("compressed");
        assertEquals("weight-sparsity", c.get("learner").asText());
        assertEquals(2, c.at("/fineTuning/workers").asInt(), c.toString());
        assertEquals("parameter server", c.at("/fineTuning/through").asText());
        assertTrue(c.at("/fineTuning/samplesPerSecond").asDouble() > 0, c.toString());
        assertTrue(c.get("testAccuracy").asDouble() > 0.5, "a 75% sparse LeNet fine-tuned on two workers (chance 0.1): "
                + c + "\n" + o.out());
        for (String f : List.of("model.pfpk", "compressed.zip", "inference.zip", "model.onnx", "report.html")) {
            assertTrue(Files.exists(runDir.resolve(f)), f);
        }
        assertEquals("ok", c.at("/onnx/status").asText(), c.get("onnx").toString());
        PackedModel packed = PackedModelFile.read(runDir.resolve("model.pfpk").toUri().toString());
        assertEquals("2", packed.provenance().get("fine-tune-workers"));
        assertTrue(sparsity(packed) >= 0.74, "the masks held on the server: sparsity " + sparsity(packed));
        String html = Files.readString(runDir.resolve("report.html"));
        assertTrue(html.contains("compression job") && html.contains("on 2 workers through the parameter server"), html);

        Path local = tmp.resolve("w1");
        Cli.Outcome one = Cli.run(job(local, "local[2]", "pocketflow.learn.fine-tune-workers=1"));
        assertEquals(0, one.code(), one.err() + one.out());
        assertFalse(one.out().contains("parameter server"), one.out());
        JsonNode localReport = Cli.report(local);
        assertTrue(localReport.path("compressed").isMissingNode(), localReport.toString());
        assertTrue(localReport.at("/baseline/compressed/fineTuneEpochs").size() == 1, "fine-tuned on the executor");
        assertTrue(sparsity(PackedModelFile.read(local.resolve("model.pfpk").toUri().toString())) >= 0.74);
    }

    @Test
    void twoWorkersFineTuneAPrunedQuantizedDistilledLeNet(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)) || "true".equals(System.getenv("CI")), "Fashion-MNIST not installed");
        Path runDir = tmp.resolve("w2");
        Cli.Outcome o = Cli.run(job(runDir, "local[2]", "pocketflow.learn.fine-tune-workers=2",
                "pocketflow.learn.algorithm=channel-pruning+uniform-quant", "pocketflow.learn.mac-fraction=0.5",
                "pocketflow.learn.average-bits=4", "pocketflow.learn.distill-weight=0.5"));
        assertEquals(0, o.code(), o.err() + o.out());
        JsonNode c = Cli.report(runDir).get("compressed");
        assertEquals(2, c.at("/fineTuning/workers").asInt(), c.toString());
        assertTrue(c.get("macFraction").asDouble() <= 0.5 + 1e-9, c.toString());
        assertTrue(c.get("testAccuracy").asDouble() > 0.5, "a half-MAC 4-bit LeNet distilled on two workers: " + c
                + "\n" + o.out());
        PackedModel packed = PackedModelFile.read(runDir.resolve("model.pfpk").toUri().toString());
        assertTrue(packed.provenance().get("fine-tune").contains("distillationWeight=0.5"), packed.provenance().toString());
        long quantized = packed.tensors().values().stream().filter(t -> t instanceof UniformTensor u && u.bits() <= 8)
                .count();
        assertTrue(quantized > 0, "quantized tensors in " + packed.encodings());
        // the network written as compressed.zip is the one on the quantization levels the packed model holds
        float[] onLevels = packed.toGraph().params().toFloatVector();
        float[] written = ModelFiles.load(runDir.resolve("compressed.zip").toUri().toString()).params().toFloatVector();
        assertEquals(onLevels.length, written.length);
        double maxDiff = 0;
        for (int i = 0; i < written.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(onLevels[i] - written[i]));
        }
        assertTrue(maxDiff < 1e-4, "compressed.zip off the packed levels by " + maxDiff);
    }

    /** Zero share of the sparse-encoded tensors, weighted by their sizes. */
    private static double sparsity(PackedModel packed) {
        double zeros = 0;
        long size = 0;
        for (TensorEncoding t : packed.tensors().values()) {
            if (t instanceof SparseTensor s) {
                long n = TensorEncoding.elements(s.shape());
                zeros += s.sparsity() * n;
                size += n;
            }
        }
        assertTrue(size > 0, "no sparse tensor in " + packed.encodings());
        return zeros / size;
    }
}
