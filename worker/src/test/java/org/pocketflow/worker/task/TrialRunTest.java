package org.pocketflow.worker.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.worker.data.ImageShape;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.LearnerOptions;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.model.Architecture;
import org.pocketflow.worker.train.TrainingSpec;

class TrialRunTest {
    private static final String DATA = "/usr/share/datasets/fashion-mnist";

    private static byte[] lenetZip() throws Exception {
        ComputationGraph g = Architecture.LENET.factory().create(new ImageShape(1, 28, 28), 10, 3);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(g, out, false);
        return out.toByteArray();
    }

    private static TrialRequest request(Path dir, double lr, int rung, double from, double to, String resume) {
        return request(dir, lr, rung, from, to, resume, "l1");
    }

    private static TrialRequest request(Path dir, double lr, int rung, double from, double to, String resume,
                                        String selector) {
        TrialRequest.TrialContext ctx = new TrialRequest.TrialContext("file://" + DATA, 640, 200, 0.2, 5,
                "channel-pruning", new LearnerOptions(true, selector, 1, 0), Budget.macs(0.5), true, 0, 1, Map.of("seed", "5"));
        FineTuneSpec ft = FineTuneSpec.of(new TrainingSpec(1, 32, lr, 0.9, 0, TrainingSpec.LrSchedule.CONSTANT, 9, 100));
        return new TrialRequest(ctx, 7, rung, from, to, Map.of(), ft, resume, dir.toUri().toString());
    }

    @Test
    void aDivergingTrialComesBackFailedWithTheReasonInsteadOfThrowing(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        TrialResult r = TrialRun.execute(request(tmp, 1e12, 0, 0, 1, ""), lenetZip(), line -> { });
        assertEquals(TrialResult.FAILED, r.status());
        assertTrue(r.reason().startsWith("training diverged"), r.reason());
        assertTrue(Double.isNaN(r.validationAccuracy()));
    }

    @Test
    void aLaterRungContinuesFromTheCheckpointOfTheFirst(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        byte[] base = lenetZip();
        TrialResult first = TrialRun.execute(request(tmp, 0.05, 0, 0, 0.5, ""), base, line -> { });
        assertEquals(TrialResult.COMPLETE, first.status(), first.reason());
        assertTrue(Files.exists(tmp.resolve("rung-0.zip")) && Files.exists(tmp.resolve("rung-0.pfpk")));
        TrialResult second = TrialRun.execute(request(tmp, 0.05, 1, 0.5, 1, first.checkpoint()), base, line -> { });
        assertEquals(TrialResult.COMPLETE, second.status(), second.reason());
        assertEquals(first.macs(), second.macs(), "the same pruned network goes on training");
        assertTrue(second.validationAccuracy() > 0.3, "a pruned LeNet after one epoch on 512 images: "
                + second.validationAccuracy());
        // a checkpoint of another network is refused, naming the fix
        TrialRequest wrong = new TrialRequest(request(tmp, 0.05, 1, 0.5, 1, "").context(), 7, 1, 0.5, 1,
                Map.of(), request(tmp, 0.05, 1, 0.5, 1, "").fineTune(), tmp.resolve("base.zip").toUri().toString(),
                tmp.toUri().toString());
        Files.write(tmp.resolve("base.zip"), base);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> TrialRun.execute(wrong, base, line -> { }));
        assertTrue(e.getMessage().contains("belongs to another candidate"), e.getMessage());
    }

    @Test
    void dcpSelectsWithTheLabelsOfTheTrainingSplitAndMeetsTheBudget(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of(DATA)), "Fashion-MNIST not installed");
        byte[] base = lenetZip();
        // lr 0.02: at 0.05 (momentum 0.9) this untrained network's DCP-pruned copy stalls at chance, L1's and LASSO's not
        TrialResult dcp = TrialRun.execute(request(tmp, 0.02, 0, 0, 1, "", "dcp"), base, line -> { });
        assertEquals(TrialResult.COMPLETE, dcp.status(), dcp.reason());
        assertTrue(dcp.macs() <= 2_293_000 / 2, "MACs " + dcp.macs());
        assertTrue(dcp.validationAccuracy() > 0.3, "a DCP-pruned LeNet after one epoch on 512 images: "
                + dcp.validationAccuracy());
    }
}
