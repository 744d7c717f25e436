package org.pocketflow.driver.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.LearnerOptions;
import org.pocketflow.worker.task.TrialRequest;
import org.pocketflow.worker.train.TrainingSpec;

/** Where a rung's server checkpoints go: beside the rung's files on a local run directory, nowhere on others. */
class RungCheckpointsTest {

    private static TrialRequest rung(String trialDir, int rung) {
        TrialRequest.TrialContext ctx = new TrialRequest.TrialContext("file:/data", 0, 0, 0.2, 5, "weight-sparsity",
                new LearnerOptions(true, "l1", 1, 0), Budget.sparse(0.5), true, 0, 1, Map.of());
        FineTuneSpec ft = FineTuneSpec.of(new TrainingSpec(1, 16, 0.01, 0.9, 0, TrainingSpec.LrSchedule.COSINE, 9, 1000));
        return new TrialRequest(ctx, 4, rung, 0, 1, Map.of(), ft, "", trialDir);
    }

    @Test
    void aLocalTrialFolderGetsOneFolderPerRungAndOthersNone(@TempDir Path tmp) {
        Path trial = tmp.resolve("run dir/trials/00004");
        assertEquals(Optional.of(trial.resolve("rung-2.ps")), RungCheckpoints.folder(rung(trial.toUri().toString(), 2)),
                "a file URI, with a space");
        assertEquals(Optional.of(trial.resolve("rung-0.ps")), RungCheckpoints.folder(rung(
                new org.apache.hadoop.fs.Path(trial.toString()).toUri().toString() + "/", 0)), "as the run directory gives it");
        assertEquals(Optional.empty(), RungCheckpoints.folder(rung("hdfs://nn:8020/runs/a/trials/00004", 0)), "HDFS");
    }

    @Test
    void aRefusedFolderIsSetAsideAndAFinishedOneRemoved(@TempDir Path tmp) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("rung-0.ps"));
        Files.write(folder.resolve("ps-checkpoint.pfck"), new byte[] {1});
        Path aside = RungCheckpoints.setAside(folder);
        assertTrue(aside.getFileName().toString().startsWith("rung-0.ps.refused-") && Files.exists(aside.resolve("ps-checkpoint.pfck")));
        assertFalse(Files.exists(folder));
        RungCheckpoints.remove(aside);
        assertFalse(Files.exists(aside));
        RungCheckpoints.remove(aside); // gone already: nothing to do
    }
}
