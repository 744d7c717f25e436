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
import org.pocketflow.qsgd.ps.checkpoint.CheckpointFolder;
import org.pocketflow.worker.learn.Budget;
import org.pocketflow.worker.learn.FineTuneSpec;
import org.pocketflow.worker.learn.LearnerOptions;
import org.pocketflow.worker.task.TrialRequest;
import org.pocketflow.worker.train.TrainingSpec;

/** Where a rung's server checkpoints go: beside the rung's files on the run directory's own file system (HDFS: HdfsRungResumeTest). */
class RungCheckpointsTest {

    private static TrialRequest rung(String trialDir, int rung) {
        TrialRequest.TrialContext ctx = new TrialRequest.TrialContext("file:/data", 0, 0, 0.2, 5, "weight-sparsity",
                new LearnerOptions(true, "l1", 1, 0), Budget.sparse(0.5), true, 0, 1, Map.of());
        FineTuneSpec ft = FineTuneSpec.of(new TrainingSpec(1, 16, 0.01, 0.9, 0, TrainingSpec.LrSchedule.COSINE, 9, 1000));
        return new TrialRequest(ctx, 4, rung, 0, 1, Map.of(), ft, "", trialDir);
    }

    @Test
    void aTrialFolderGetsOneFolderPerRungOnItsOwnFileSystem(@TempDir Path tmp) {
        Path trial = tmp.resolve("run dir/trials/00004");
        assertEquals(trial.resolve("rung-2.ps").toString(), RungCheckpoints.of(rung(trial.toUri().toString(), 2)).toString(),
                "a file URI, with a space");
        assertEquals(trial.resolve("rung-0.ps").toString(), RungCheckpoints.of(rung(
                new org.apache.hadoop.fs.Path(trial.toString()).toUri().toString() + "/", 0)).toString(), "as the run directory gives it");
        assertEquals(CheckpointFolder.local(trial.resolve("rung-0.ps")),
                RungCheckpoints.of(rung(trial.toUri().toString(), 0)).store(), "a local folder is written through java.nio");
    }

    @Test
    void aRefusedFolderIsSetAsideAndAFinishedOneRemoved(@TempDir Path tmp) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("rung-0.ps"));
        Files.write(folder.resolve("ps-checkpoint.pfck"), new byte[] {1});
        RungCheckpoints rung = RungCheckpoints.of(tmp.toUri().toString(), 0);
        assertTrue(rung.exists());
        Path aside = Path.of(rung.setAside());
        assertTrue(aside.getFileName().toString().startsWith("rung-0.ps.refused-") && Files.exists(aside.resolve("ps-checkpoint.pfck")));
        assertFalse(Files.exists(folder));
        assertFalse(rung.exists());
        Files.createDirectories(folder);
        Files.write(folder.resolve("ps-checkpoint.pfck"), new byte[] {1});
        assertEquals(Optional.empty(), rung.remove());
        assertFalse(Files.exists(folder));
        assertEquals(Optional.empty(), rung.remove(), "gone already: nothing to do");
        assertTrue(Files.exists(aside), "the refused folder stays for a person to look at");
    }
}
